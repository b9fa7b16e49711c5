// A byte ring in shared memory (/dev/shm by default) through which a node sends bulk payloads to a peer on the same host:
// the sender copies payload bytes into the ring and sends only a small SharedPayload frame (position, length) over
// the connection; the receiver copies them out and publishes how far it has read. On loopback TCP the same bytes
// cross the kernel twice and wake threads per segment; here they are one copy on each side. One writer (the
// connection's writer thread) and one reader (the peer's decoder): single producer, single consumer.
//
// The file is created 0600 by its sender, named in the sender's Hello, and unlinked once the handshake is over.
// Its header holds an HMAC, under the cluster secret, of the sender's handshake nonce and the ring's path and size,
// so a node maps only a ring that a holder of the secret made for this connection.
using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Dpt.Remoting;

internal sealed unsafe partial class SharedMemoryRing : IDisposable
{
    /// <summary>Where rings are created unless <see cref="RemoteSettings.SharedMemoryDirectory"/> says otherwise: a tmpfs on Linux.</summary>
    public const string DefaultDirectory = "/dev/shm";

    // Header, one page: magic (8 bytes) and data bytes (8) at 0, the tag (32) at 16, and the reader's count of
    // bytes consumed at 128, on a cache line of its own, as it is written by the other process.
    private const int HeaderBytes = 4096;
    private const int TagOffset = 16;
    private const int ConsumedOffset = 128;
    private static readonly ulong Magic = BinaryPrimitives.ReadUInt64LittleEndian("dptring1"u8);

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private long _position; // bytes written (sender) or read (receiver) since the ring was made
    private int _disposed;

    private SharedMemoryRing(string path, long capacity, MemoryMappedFile file)
    {
        Path = path;
        Capacity = capacity;
        _file = file;
        _view = file.CreateViewAccessor(0, HeaderBytes + capacity, MemoryMappedFileAccess.ReadWrite);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
    }

    public string Path { get; }

    /// <summary>Data bytes in the ring.</summary>
    public long Capacity { get; }

    private byte* Data => _base + HeaderBytes;

    private ref long Consumed => ref Unsafe.AsRef<long>(_base + ConsumedOffset);

    [GeneratedRegex(@"^dpt-[0-9]+-[0-9a-f]{32}$")]
    private static partial Regex RingName();

    // A ring this protocol makes: a file of the form Create names, directly in this node's ring directory.
    private static bool IsRingPath(string path, string directory) =>
        path.Length > directory.Length + 1 && path.StartsWith(directory, StringComparison.Ordinal) && path[directory.Length] == '/'
        && RingName().IsMatch(path.AsSpan(directory.Length + 1));

    /// <summary>Creates a ring of <paramref name="capacity"/> bytes for the connection whose Hello carries
    /// <paramref name="nonce"/>, in <paramref name="directory"/> (default <see cref="DefaultDirectory"/>); throws IOException
    /// or UnauthorizedAccessException where the directory cannot hold it (missing, not writable, full).</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static SharedMemoryRing Create(long capacity, byte[] secret, byte[] nonce, string directory = DefaultDirectory)
    {
        string path = $"{directory}/dpt-{Environment.ProcessId}-{Guid.NewGuid():N}";
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            // fallocate: tmpfs allocates a page on first touch, and a full /dev/shm would then kill the process with
            // SIGBUS mid-message; allocated up front, a full /dev/shm is an IOException here instead.
            PreallocationSize = HeaderBytes + capacity,
        });
        SharedMemoryRing? ring = null;
        try
        {
            stream.SetLength(HeaderBytes + capacity);
            ring = new SharedMemoryRing(path, capacity, MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false));
            BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(ring._base, 8), Magic);
            BinaryPrimitives.WriteInt64LittleEndian(new Span<byte>(ring._base + 8, 8), capacity);
            Tag(secret, nonce, path, capacity).CopyTo(new Span<byte>(ring._base + TagOffset, 32));
            return ring;
        }
        catch
        {
            if (ring is null) stream.Dispose();
            else ring.Dispose();
            TryDelete(path);
            throw;
        }
    }

    /// <summary>Opens the peer's ring named in its Hello; the reason it cannot, or null. Only a path of the form
    /// <see cref="Create"/> makes in <paramref name="directory"/>, of the announced size, with the right tag, is mapped.</summary>
    public static string? TryOpen(string path, long capacity, byte[] secret, byte[] peerNonce, out SharedMemoryRing? ring,
        string directory = DefaultDirectory)
    {
        ring = null;
        if (!IsRingPath(path, directory)) return $"the ring path [{path}] is not one this protocol makes in {directory}";
        if (capacity is < 1 or > RemoteSettings.MaxSharedMemoryBytes) return $"a ring of {capacity} bytes";
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) return $"{path} does not exist here (the peer is on another host)";
            if (info.Length != HeaderBytes + capacity) return $"{path} holds {info.Length} bytes, not {HeaderBytes + capacity}";
            var opened = new SharedMemoryRing(path, capacity, MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite));
            bool valid = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(opened._base, 8)) == Magic
                && BinaryPrimitives.ReadInt64LittleEndian(new ReadOnlySpan<byte>(opened._base + 8, 8)) == capacity
                && CryptographicOperations.FixedTimeEquals(Tag(secret, peerNonce, path, capacity), new ReadOnlySpan<byte>(opened._base + TagOffset, 32));
            if (!valid)
            {
                opened.Dispose();
                return $"{path} does not carry this connection's tag";
            }
            ring = opened;
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{path} cannot be mapped: {e.Message}";
        }
    }

    private static byte[] Tag(byte[] secret, byte[] nonce, string path, long capacity)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        hmac.AppendData("dpt-remoting-1 shared memory"u8);
        hmac.AppendData(nonce);
        hmac.AppendData(Encoding.UTF8.GetBytes(path));
        hmac.AppendData(BitConverter.GetBytes(capacity));
        return hmac.GetHashAndReset();
    }

    /// <summary>Removes the ring's name; the mappings of both sides stay valid.</summary>
    public void Unlink() => TryDelete(Path);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone already, or /dev/shm is read-only now: nothing to clean.
        }
    }

    // ---- Sender side (the connection's writer thread) ----

    /// <summary>The sender's position: the bytes written since the ring was made.</summary>
    public long WritePosition => _position;

    /// <summary>Where the next bytes go: contiguous free space up to <paramref name="max"/> bytes, not wrapping past the
    /// ring's end; empty while the reader has not freed any.</summary>
    public Span<byte> FreeSpan(int max)
    {
        long free = Capacity - (_position - Volatile.Read(ref Consumed));
        long offset = _position % Capacity;
        int length = (int)Math.Min(Math.Min(free, Capacity - offset), max);
        return length <= 0 ? default : new Span<byte>(Data + offset, length);
    }

    /// <summary>Free bytes in all, wrapping included: what can be written now without waiting for the reader.</summary>
    public long FreeBytes => Capacity - (_position - Volatile.Read(ref Consumed));

    /// <summary>Records that <paramref name="bytes"/> of the last <see cref="FreeSpan"/> were written.</summary>
    public void Advance(int bytes) => _position += bytes;

    // ---- Receiver side (the decoder) ----

    /// <summary>The bytes a SharedPayload frame names, checked: they must start where the last frame's ended and
    /// lie within the ring; otherwise <see cref="RemotingProtocolException"/>.</summary>
    public ReadOnlySpan<byte> Read(long position, int length)
    {
        if (position != _position)
            throw new RemotingProtocolException($"malformed frame: a SharedPayload frame at ring position {position}, expected {_position}");
        long offset = position % Capacity;
        if (length <= 0 || length > Capacity - offset)
            throw new RemotingProtocolException($"malformed frame: a SharedPayload frame of {length} bytes at ring offset {offset} of {Capacity}");
        return new ReadOnlySpan<byte>(Data + offset, length);
    }

    /// <summary>Frees the bytes of the last <see cref="Read"/> for the sender, once they are copied out.</summary>
    public void Release(int length)
    {
        _position += length;
        Volatile.Write(ref Consumed, _position);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
