// Opening data files: turns "missing / a directory / not allowed" into a DataFormatException that
// names the path, and decompresses gzip, recognised by its magic bytes rather than the file name.
using System.Buffers.Binary;
using System.IO.Compression;

namespace Dpt.Data;

/// <summary>Opens data files for one sequential read, raw or gzip-compressed.</summary>
internal static class DataFile
{
    /// <summary>Read buffer size: large, so a 47 MB file takes a few dozen system calls rather than thousands.</summary>
    internal const int BufferSize = 1 << 20;

    /// <summary>
    /// Opens <paramref name="path"/> for reading. Content starting with the gzip magic bytes 1f 8b is
    /// decompressed on the fly; at its end the decompressed length is checked against the gzip trailer,
    /// because .NET's GZipStream reports a truncated stream as a normal end of data.
    /// </summary>
    /// <exception cref="DataFormatException">The file is missing, a directory, unreadable or not a regular file.</exception>
    public static Stream OpenRead(string path, out bool gzip)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
            throw new DataFormatException(path, "is a directory, not a file");
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        }
        catch (FileNotFoundException e)
        {
            throw new DataFormatException(path, "file not found", innerException: e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new DataFormatException(path, $"file not found: directory {Path.GetDirectoryName(Path.GetFullPath(path))} does not exist", innerException: e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DataFormatException(path, "permission denied", innerException: e);
        }
        catch (IOException e)
        {
            throw new DataFormatException(path, $"cannot open: {e.Message}", innerException: e);
        }

        try
        {
            if (!file.CanSeek)
                throw new DataFormatException(path, "is not a regular file (data files are read from disk, not from pipes or devices)");
            Span<byte> magic = stackalloc byte[2];
            gzip = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
            file.Position = 0;
            return gzip ? new CheckedGzipStream(file, path) : file;
        }
        catch (IOException e)
        {
            file.Dispose();
            throw ReadFailed(path, e);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The error for an I/O failure in the middle of reading <paramref name="path"/>.</summary>
    public static DataFormatException ReadFailed(string path, Exception e) =>
        new(path, $"read failed: {e.Message}", innerException: e);

    /// <summary>
    /// Decompresses a gzip file and reports damage as <see cref="DataFormatException"/>: corrupt deflate
    /// data or checksum, and (what GZipStream alone does not) a stream that ends before its trailer.
    /// </summary>
    private sealed class CheckedGzipStream : Stream
    {
        // A gzip member is at least a 10-byte header, 2 bytes of deflate data and an 8-byte trailer.
        private const int MinimumGzipLength = 20;

        private readonly GZipStream _gzip;
        private readonly string _path;
        private readonly uint _trailerLength;
        private long _decompressed;
        private bool _endChecked;

        public CheckedGzipStream(FileStream file, string path)
        {
            _path = path;
            if (file.Length < MinimumGzipLength)
                throw new DataFormatException(path, $"truncated gzip file: {file.Length} bytes, less than the {MinimumGzipLength} of the smallest gzip stream");
            // The trailer's last word is the uncompressed length modulo 2^32 (RFC 1952, ISIZE).
            Span<byte> isize = stackalloc byte[4];
            file.Position = file.Length - 4;
            file.ReadExactly(isize);
            file.Position = 0;
            _trailerLength = BinaryPrimitives.ReadUInt32LittleEndian(isize);
            _gzip = new GZipStream(file, CompressionMode.Decompress, leaveOpen: false);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n;
            try
            {
                n = _gzip.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw new DataFormatException(_path, $"corrupt gzip data after {_decompressed} decompressed bytes: {e.Message}", innerException: e);
            }
            _decompressed += n;
            if (n == 0 && buffer.Length > 0 && !_endChecked)
            {
                _endChecked = true;
                if ((uint)_decompressed != _trailerLength)
                    throw new DataFormatException(_path,
                        $"gzip data ends early: {_decompressed} bytes decompressed but the gzip trailer records {_trailerLength} (mod 2^32); " +
                        "the file is truncated or corrupt (multi-member gzip files are not supported)");
            }
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _gzip.Dispose();
            base.Dispose(disposing);
        }
    }
}
