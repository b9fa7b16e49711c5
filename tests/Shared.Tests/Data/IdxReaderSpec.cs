using Dpt.Data;

namespace Dpt.Shared.Tests.Data;

public sealed class IdxReaderSpec : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte Pixel(int k) => (byte)(k * 37 % 256);

    [Fact]
    public void ReadImages_must_return_the_sizes_and_the_bytes_of_a_raw_file()
    {
        string path = _dir.Write("images", IdxBytes.Images(3, 4, 5, Pixel));

        IdxArray images = IdxReader.ReadImages(path);

        Assert.Equal([3, 4, 5], images.Dimensions);
        Assert.Equal((3, 20), (images.Count, images.ItemSize));
        Assert.Equal(Enumerable.Range(0, 60).Select(Pixel), images.Data);
    }

    [Fact]
    public void ReadImages_must_read_a_gzip_file_the_same_as_the_raw_one()
    {
        byte[] raw = IdxBytes.Images(7, 28, 28, Pixel);
        IdxArray fromRaw = IdxReader.ReadImages(_dir.Write("raw", raw));
        IdxArray fromGzip = IdxReader.ReadImages(_dir.Write("compressed-without-gz-suffix", IdxBytes.Gzip(raw)));

        Assert.Equal(fromRaw.Dimensions, fromGzip.Dimensions);
        Assert.Equal(fromRaw.Data, fromGzip.Data);
    }

    [Fact]
    public void ReadLabels_and_Read_must_accept_other_ranks()
    {
        Assert.Equal([3, 1, 4], IdxReader.ReadLabels(_dir.Write("labels", IdxBytes.Labels(3, 1, 4))).Data);

        IdxArray matrix = IdxReader.Read(_dir.Write("matrix", IdxBytes.Build(0x00000802, [2, 3], [1, 2, 3, 4, 5, 6])));
        Assert.Equal([2, 3], matrix.Dimensions);
        Assert.Equal(3, matrix.ItemSize);
        Assert.Equal("IDX unsigned byte [2 × 3]", matrix.ToString());
    }

    [Fact]
    public void A_labels_file_read_as_images_must_report_the_magic_found_and_expected()
    {
        string path = _dir.Write("labels", IdxBytes.Labels(1, 2));

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Equal(path, e.FilePath);
        Assert.Contains("wrong magic number 0x00000801 (unsigned byte, 1 dimension: labels)", e.Message);
        Assert.Contains("expected 0x00000803 (unsigned byte, 3 dimensions: images)", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_IDX_must_say_so_and_show_its_first_word()
    {
        string path = _dir.WriteText("notes.txt", "hello, world");

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));

        Assert.Contains("not an IDX file: magic number 0x68656C6C", e.Message);
        Assert.Contains("expected 0x00000801", e.Message);
    }

    [Fact]
    public void A_data_type_other_than_unsigned_byte_must_be_named_and_rejected()
    {
        string path = _dir.Write("floats", IdxBytes.Build(0x00000D03, [1, 1, 1], [0, 0, 0, 0]));

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains("data type float32 (0x0D) is not supported, only unsigned byte (0x08)", e.Message);
        Assert.Contains("magic number 0x00000D03", e.Message);
    }

    [Fact]
    public void An_unknown_data_type_must_be_rejected()
    {
        string path = _dir.Write("odd", IdxBytes.Build(0x00000A01, [1], [0]));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        Assert.Contains("unknown IDX data type 0x0A", e.Message);
    }

    [Fact]
    public void A_truncated_file_must_say_how_many_bytes_the_header_promises_and_how_many_are_there()
    {
        byte[] full = IdxBytes.Images(3, 28, 28, Pixel);
        string path = _dir.Write("short", full[..^100]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains("truncated: the header promises 3 × 28 × 28 = 2352 data bytes but only 2252 are present", e.Message);
    }

    [Fact]
    public void A_compressed_file_whose_content_is_short_must_say_it_was_measured_after_decompression()
    {
        byte[] full = IdxBytes.Images(2, 2, 2, Pixel);
        string path = _dir.Write("short.gz", IdxBytes.Gzip(full[..^3]));

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains("promises 2 × 2 × 2 = 8 data bytes but only 5 are present after gzip decompression", e.Message);
    }

    [Fact]
    public void A_truncated_gzip_file_must_be_rejected()
    {
        byte[] gz = IdxBytes.Gzip(IdxBytes.Images(50, 28, 28, Pixel));
        string path = _dir.Write("cut.gz", gz[..(gz.Length * 2 / 3)]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Equal(path, e.FilePath);
        Assert.Contains("gzip data ends early", e.Message);
    }

    [Fact]
    public void A_header_cut_inside_the_sizes_must_be_rejected()
    {
        byte[] full = IdxBytes.Images(1, 2, 2, Pixel);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(_dir.Write("cut-header", full[..10])));
        Assert.Contains("truncated header: the magic number announces 3 dimension sizes but the file ends after 1", e.Message);

        e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(_dir.Write("empty", [])));
        Assert.Contains("too short for an IDX header: 0 bytes", e.Message);
    }

    [Fact]
    public void Bytes_after_the_promised_data_must_be_rejected()
    {
        byte[] full = [.. IdxBytes.Images(2, 2, 2, Pixel), 9, 9, 9, 9, 9];

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(_dir.Write("long", full)));
        Assert.Contains("5 unexpected bytes follow the 8 data bytes the header promises (2 × 2 × 2)", e.Message);

        e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(_dir.Write("long.gz", IdxBytes.Gzip(full))));
        Assert.Contains("5 unexpected bytes after gzip decompression follow", e.Message);
    }

    [Fact]
    public void A_negative_size_must_be_rejected()
    {
        string path = _dir.Write("negative", IdxBytes.Build(0x00000803, [1, -28, 28], []));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("dimension 2 of 3 has negative size -28", e.Message);
    }

    [Fact]
    public void Sizes_beyond_the_largest_array_must_be_rejected_before_allocating()
    {
        string path = _dir.Write("huge", IdxBytes.Build(0x00000803, [100_000, 100_000, 28], []));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("exceed the largest array", e.Message);
    }
}
