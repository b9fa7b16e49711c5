// Reads IDX files, the tensor format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist):
// a big-endian magic number 0x0000TTDD (T = data type, D = number of dimensions), D big-endian int32
// sizes, then the data. Raw or gzip-compressed. Only unsigned-byte data, the type MNIST uses, is read.
using System.Buffers.Binary;

namespace Dpt.Data;

/// <summary>Reads unsigned-byte IDX files and reports every defect as a <see cref="DataFormatException"/>.</summary>
public static class IdxReader
{
    /// <summary>Magic number of an unsigned-byte 3-D tensor: (N, rows, columns) images.</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an unsigned-byte 1-D tensor: N labels.</summary>
    public const int LabelsMagic = 0x00000801;

    private const byte UnsignedByte = 0x08;

    /// <summary>Reads an image file; its magic number must be <see cref="ImagesMagic"/>.</summary>
    public static IdxArray ReadImages(string path) => Read(path, ImagesMagic);

    /// <summary>Reads a label file; its magic number must be <see cref="LabelsMagic"/>.</summary>
    public static IdxArray ReadLabels(string path) => Read(path, LabelsMagic);

    /// <summary>Reads an unsigned-byte IDX file of any number of dimensions.</summary>
    public static IdxArray Read(string path) => Read(path, expectedMagic: null);

    /// <summary>
    /// Reads the whole file: the header, exactly the number of bytes it promises, then makes sure nothing
    /// follows. A file that is short, long, of another type or shape, or damaged gzip is rejected.
    /// </summary>
    private static IdxArray Read(string path, int? expectedMagic)
    {
        using Stream stream = DataFile.OpenRead(path, out bool gzip);
        string after = gzip ? " after gzip decompression" : "";
        try
        {
            Span<byte> word = stackalloc byte[4];
            int got = stream.ReadAtLeast(word, 4, throwOnEndOfStream: false);
            if (got < 4)
                throw new DataFormatException(path, $"too short for an IDX header: {got} bytes{after}, the magic number alone takes 4");
            int magic = BinaryPrimitives.ReadInt32BigEndian(word);
            CheckMagic(path, magic, expectedMagic);

            int rank = magic & 0xFF;
            var dimensions = new int[rank];
            long total = 1, itemSize = 1; // itemSize: all but the outermost size, which may be 0
            for (int d = 0; d < rank; d++)
            {
                if (stream.ReadAtLeast(word, 4, throwOnEndOfStream: false) < 4)
                    throw new DataFormatException(path, $"truncated header: the magic number announces {rank} dimension sizes but the file ends after {d}");
                dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(word);
                if (dimensions[d] < 0)
                    throw new DataFormatException(path, $"dimension {d + 1} of {rank} has negative size {dimensions[d]}");
                total *= dimensions[d];
                if (d > 0) itemSize *= dimensions[d];
                if (total > Array.MaxLength || itemSize > Array.MaxLength)
                    throw new DataFormatException(path, $"the header's sizes [{string.Join(" × ", dimensions[..(d + 1)])}] exceed the largest array .NET can hold ({Array.MaxLength} bytes)");
            }

            // Uninitialized: every byte is overwritten by the read or the file is rejected; zeroing 47 MB first costs time.
            byte[] data = GC.AllocateUninitializedArray<byte>((int)total);
            int read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            if (read < data.Length)
                throw new DataFormatException(path,
                    $"truncated: the header promises {string.Join(" × ", dimensions)} = {total} data bytes but only {read} are present{after}");

            long extra = CountRemainingBytes(stream);
            if (extra > 0)
                throw new DataFormatException(path,
                    $"{extra} unexpected bytes{after} follow the {total} data bytes the header promises ({string.Join(" × ", dimensions)})");
            return new IdxArray(dimensions, data);
        }
        catch (IOException e)
        {
            throw DataFile.ReadFailed(path, e);
        }
    }

    private static void CheckMagic(string path, int magic, int? expectedMagic)
    {
        string expected = expectedMagic is int e ? $"expected 0x{e:X8} ({DescribeMagic(e)})" : "expected 0x000008DD (unsigned byte, DD dimensions)";
        if ((magic & unchecked((int)0xFFFF0000)) != 0)
            throw new DataFormatException(path, $"not an IDX file: magic number 0x{magic:X8} does not start with two zero bytes; {expected}");
        byte type = (byte)(magic >> 8);
        if (TypeName(type) is null)
            throw new DataFormatException(path, $"unknown IDX data type 0x{type:X2} in magic number 0x{magic:X8}; {expected}");
        if (type != UnsignedByte)
            throw new DataFormatException(path, $"data type {TypeName(type)} (0x{type:X2}) is not supported, only unsigned byte (0x08): magic number 0x{magic:X8}, {expected}");
        if ((magic & 0xFF) == 0)
            throw new DataFormatException(path, $"magic number 0x{magic:X8} announces zero dimensions; {expected}");
        if (expectedMagic is not null && magic != expectedMagic)
            throw new DataFormatException(path, $"wrong magic number 0x{magic:X8} ({DescribeMagic(magic)}); {expected}");
    }

    private static string DescribeMagic(int magic)
    {
        int rank = magic & 0xFF;
        string shape = rank == 1 ? "1 dimension" : $"{rank} dimensions";
        string role = magic switch { ImagesMagic => ": images", LabelsMagic => ": labels", _ => "" };
        return $"{TypeName((byte)(magic >> 8)) ?? "unknown type"}, {shape}{role}";
    }

    private static string? TypeName(byte type) => type switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => null,
    };

    private static long CountRemainingBytes(Stream stream)
    {
        Span<byte> scratch = stackalloc byte[4096];
        long count = 0;
        int n;
        while ((n = stream.Read(scratch)) > 0)
            count += n;
        return count;
    }
}
