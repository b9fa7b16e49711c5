// Builds IDX files byte by byte for tests, independently of the reader: a big-endian header
// and the data, optionally gzip-compressed.
using System.Buffers.Binary;
using System.IO.Compression;

namespace Dpt.Shared.Tests.Data;

/// <summary>IDX and gzip byte images for reader tests.</summary>
internal static class IdxBytes
{
    /// <summary>Magic number, then each size as a big-endian int32, then <paramref name="data"/>.</summary>
    public static byte[] Build(int magic, int[] dimensions, ReadOnlySpan<byte> data)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int d = 0; d < dimensions.Length; d++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dimensions[d]);
        data.CopyTo(bytes.AsSpan(4 + 4 * dimensions.Length));
        return bytes;
    }

    /// <summary>An image file of <paramref name="count"/> images of rows × columns whose pixel k is <c>pixel(k)</c>.</summary>
    public static byte[] Images(int count, int rows, int columns, Func<int, byte> pixel)
    {
        var data = new byte[count * rows * columns];
        for (int k = 0; k < data.Length; k++) data[k] = pixel(k);
        return Build(0x00000803, [count, rows, columns], data);
    }

    /// <summary>A label file holding <paramref name="labels"/>.</summary>
    public static byte[] Labels(params byte[] labels) => Build(0x00000801, [labels.Length], labels);

    public static byte[] Gzip(byte[] raw)
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(raw);
        return compressed.ToArray();
    }
}
