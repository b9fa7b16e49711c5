using Dpt.Data;

namespace Dpt.Shared.Tests.Data;

public sealed class DataFileSpec : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] ReadAll(string path)
    {
        using Stream stream = DataFile.OpenRead(path, out _);
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [Fact]
    public void A_missing_file_must_be_reported_with_its_path()
    {
        string path = _dir.File("absent.csv");
        var e = Assert.Throws<DataFormatException>(() => ReadAll(path));
        Assert.Equal(path, e.FilePath);
        Assert.Equal($"{path}: file not found", e.Message);
        Assert.IsAssignableFrom<IOException>(e.InnerException);
    }

    [Fact]
    public void A_file_in_a_missing_directory_must_name_the_directory()
    {
        string path = Path.Combine(_dir.Path, "nowhere", "absent.csv");
        var e = Assert.Throws<DataFormatException>(() => ReadAll(path));
        Assert.Contains($"directory {Path.Combine(_dir.Path, "nowhere")} does not exist", e.Message);
    }

    [Fact]
    public void A_directory_must_be_rejected_as_not_a_file()
    {
        var e = Assert.Throws<DataFormatException>(() => ReadAll(_dir.Path));
        Assert.Equal($"{_dir.Path}: is a directory, not a file", e.Message);
    }

    [UnreadableFileFact]
    public void An_unreadable_file_must_be_reported_as_permission_denied()
    {
        string path = UnreadableFileFactAttribute.MakeUnreadable(_dir);
        var e = Assert.Throws<DataFormatException>(() => ReadAll(path));
        Assert.Equal($"{path}: permission denied", e.Message);
        Assert.IsType<UnauthorizedAccessException>(e.InnerException);
    }

    [ProcSelfMemFact]
    public void An_IO_error_while_reading_must_be_wrapped_with_the_path()
    {
        var e = Assert.Throws<DataFormatException>(() => ReadAll(ProcSelfMemFactAttribute.Path));
        Assert.StartsWith($"{ProcSelfMemFactAttribute.Path}: read failed: ", e.Message);
        Assert.IsAssignableFrom<IOException>(e.InnerException);
    }

    [Fact]
    public void Gzip_must_be_recognised_by_its_magic_bytes_not_by_the_file_name()
    {
        byte[] content = "hello, gzip"u8.ToArray();
        string compressedWithoutSuffix = _dir.Write("plain-looking.csv", IdxBytes.Gzip(content));
        string rawWithSuffix = _dir.Write("misnamed.gz", content);

        Assert.Equal(content, ReadAll(compressedWithoutSuffix));
        Assert.Equal(content, ReadAll(rawWithSuffix));
        using (DataFile.OpenRead(compressedWithoutSuffix, out bool gzip)) Assert.True(gzip);
        using (DataFile.OpenRead(rawWithSuffix, out bool gzip)) Assert.False(gzip);
    }

    [Fact]
    public void A_gzip_file_cut_short_must_be_rejected_although_GZipStream_reports_a_normal_end()
    {
        byte[] content = new byte[50_000];
        for (int i = 0; i < content.Length; i++) content[i] = (byte)(i * 7 % 251);
        byte[] gz = IdxBytes.Gzip(content);
        foreach (int cut in new[] { gz.Length / 2, gz.Length - 4, gz.Length - 8 })
        {
            string path = _dir.Write($"cut{cut}.gz", gz[..cut]);
            var e = Assert.Throws<DataFormatException>(() => ReadAll(path));
            Assert.Contains("gzip data ends early", e.Message);
            Assert.Contains("truncated or corrupt", e.Message);
        }
    }

    [Fact]
    public void A_gzip_file_shorter_than_any_gzip_stream_must_be_rejected()
    {
        string path = _dir.Write("tiny.gz", [0x1f, 0x8b, 0x08]);
        var e = Assert.Throws<DataFormatException>(() => ReadAll(path));
        Assert.Contains("truncated gzip file: 3 bytes", e.Message);
    }

    [Fact]
    public void Corrupt_gzip_data_must_be_reported_as_a_DataFormatException()
    {
        byte[] gz = IdxBytes.Gzip(new byte[10_000]);
        gz[^6] ^= 0xFF; // inside the CRC-32 of the trailer
        string path = _dir.Write("corrupt.gz", gz);
        var e = Assert.Throws<DataFormatException>(() => ReadAll(path));
        Assert.Contains("corrupt gzip data", e.Message);
        Assert.IsType<InvalidDataException>(e.InnerException);
    }
}
