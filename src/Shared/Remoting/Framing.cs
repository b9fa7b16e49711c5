// The frame layer: uint32 little-endian length, one kind byte, body. Writes whole small frames and
// reads them back with every limit checked as soon as the length is known; payload frames are
// streamed by InboundDecoder, never buffered whole.
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Dpt.Remoting;

/// <summary>What a frame carries (the byte after the length).</summary>
internal enum FrameKind : byte
{
    Hello = 1,
    Proof = 2,
    Accepted = 3,
    Refused = 4,
    Envelope = 5,
    ControlPayload = 6,
    BulkPayload = 7,
    SharedPayload = 8,
}

/// <summary>A peer broke the protocol (oversized, malformed or truncated frame, bad handshake); the
/// connection is closed with <see cref="Exception.Message"/> as the logged reason.</summary>
internal sealed class RemotingProtocolException(string reason) : Exception(reason);

/// <summary>Frame layout constants and helpers for whole (small) frames.</summary>
internal static class Framing
{
    /// <summary>Bytes before a frame's body: the length (4) and the kind (1).</summary>
    public const int PrefixBytes = 5;

    /// <summary>Largest handshake or envelope frame body: these are parsed whole, so they stay small.</summary>
    public const int MaxSmallFrameBytes = 64 << 10;

    public static bool IsKnown(byte kind) => kind is >= (byte)FrameKind.Hello and <= (byte)FrameKind.SharedPayload;

    /// <summary>Body bytes of a SharedPayload frame: ring position (8) and length (4).</summary>
    public const int SharedPayloadBytes = 12;

    /// <summary>Writes the prefix of a frame whose body has <paramref name="bodyBytes"/> bytes.</summary>
    public static void WritePrefix(PipeWriter output, FrameKind kind, int bodyBytes)
    {
        var span = output.GetSpan(PrefixBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)bodyBytes + 1);
        span[4] = (byte)kind;
        output.Advance(PrefixBytes);
    }

    /// <summary>Writes one frame holding <paramref name="message"/> (not flushed).</summary>
    public static void WriteMessage(PipeWriter output, FrameKind kind, IMessage message)
    {
        int size = message.CalculateSize();
        WritePrefix(output, kind, size);
        if (size == 0) return;
        message.WriteTo(output.GetSpan(size)[..size]);
        output.Advance(size);
    }

    /// <summary>Reads the prefix at the start of <paramref name="buffer"/>, checking the length against
    /// <paramref name="maxFrameBytes"/> and the kind; false when fewer than 5 bytes are buffered.</summary>
    public static bool TryReadPrefix(ref ReadOnlySequence<byte> buffer, int maxFrameBytes, out FrameKind kind, out int bodyBytes)
    {
        kind = default;
        bodyBytes = 0;
        if (buffer.Length < PrefixBytes) return false;
        Span<byte> prefix = stackalloc byte[PrefixBytes];
        buffer.Slice(0, PrefixBytes).CopyTo(prefix);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
        if (length == 0) throw new RemotingProtocolException("malformed frame: length 0 (no kind byte)");
        if (length > (uint)maxFrameBytes)
            throw new RemotingProtocolException($"oversized frame: {length} bytes announced, the limit (MaxFrameBytes) is {maxFrameBytes}");
        if (!IsKnown(prefix[4])) throw new RemotingProtocolException($"malformed frame: unknown kind {prefix[4]}");
        kind = (FrameKind)prefix[4];
        bodyBytes = (int)length - 1;
        buffer = buffer.Slice(PrefixBytes);
        return true;
    }

    /// <summary>Reads one whole small frame (handshake); throws <see cref="RemotingProtocolException"/> for a
    /// bad or truncated frame and <see cref="EndOfStreamException"/> when the peer closed between frames.</summary>
    public static async ValueTask<(FrameKind Kind, byte[] Body)> ReadSmallFrameAsync(PipeReader input, int maxFrameBytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var start = buffer;
            if (TryReadPrefix(ref buffer, Math.Min(maxFrameBytes, MaxSmallFrameBytes + 1), out var kind, out int bodyBytes) && buffer.Length >= bodyBytes)
            {
                var body = buffer.Slice(0, bodyBytes).ToArray();
                input.AdvanceTo(buffer.GetPosition(bodyBytes));
                return (kind, body);
            }
            if (result.IsCompleted)
            {
                input.AdvanceTo(start.End);
                if (start.Length == 0) throw new EndOfStreamException("the peer closed the connection");
                throw new RemotingProtocolException($"truncated frame: the connection closed after {start.Length} bytes of an incomplete frame");
            }
            input.AdvanceTo(start.Start, start.End);
        }
    }
}
