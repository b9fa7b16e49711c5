// The manifest names a data set by its files' bytes: hashes are the files' SHA-256s, any change to a file
// changes the manifest's hash, and names that could leave a directory are refused.
using System.Security.Cryptography;
using Dpt.Data;
using Dpt.Shared.Tests.Data;
using Dpt.Training;
using Dpt.Training.Join;

namespace Dpt.Shared.Tests.Training.Join;

public sealed class DatasetManifestSpec : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Manifest_must_list_each_file_with_its_length_and_SHA256()
    {
        byte[] a = JoinFixtures.WriteRandomFile(_dir.File("a.bin"), 300_000, 1);
        byte[] b = JoinFixtures.WriteRandomFile(_dir.File("b.bin"), 0, 2);
        var source = DatasetSource.FromFiles("csv", [("a.bin", _dir.File("a.bin")), ("b.bin", _dir.File("b.bin"))]);

        Assert.Equal(["a.bin", "b.bin"], source.Manifest.Files.Select(f => f.Name));
        Assert.Equal([a.Length, b.Length], source.Manifest.Files.Select(f => f.Length));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(a)), source.Manifest.Files[0].Sha256);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", source.Manifest.Files[1].Sha256); // SHA-256 of nothing
        Assert.Equal(a.Length, source.Manifest.TotalLength);
        Assert.Equal(_dir.File("a.bin"), source.PathOf("a.bin"));
    }

    [Fact]
    public void Manifest_hash_must_change_with_any_byte_of_any_file_and_nothing_else()
    {
        JoinFixtures.WriteRandomFile(_dir.File("a.bin"), 10_000, 1);
        var before = DatasetSource.FromFiles("csv", [("a.bin", _dir.File("a.bin"))]).Manifest;
        Assert.Equal(before.Sha256, DatasetSource.FromFiles("csv", [("a.bin", _dir.File("a.bin"))]).Manifest.Sha256);

        byte[] bytes = File.ReadAllBytes(_dir.File("a.bin"));
        bytes[5_000] ^= 1;
        File.WriteAllBytes(_dir.File("a.bin"), bytes);
        var after = DatasetSource.FromFiles("csv", [("a.bin", _dir.File("a.bin"))]).Manifest;

        Assert.NotEqual(before.Sha256, after.Sha256);
        Assert.NotEqual(before, after);
        Assert.NotEqual(before.Sha256, new DatasetManifest("mnist", before.Files).Sha256);
        Assert.NotEqual(before.Sha256, new DatasetManifest("csv", [new DatasetFile("b.bin", before.Files[0].Length, before.Files[0].Sha256)]).Sha256);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("..")]
    [InlineData(".hidden")]
    [InlineData("a\\b")]
    [InlineData("c:x")]
    [InlineData("")]
    [InlineData("line\nbreak")]
    public void A_file_name_that_could_leave_its_directory_must_be_refused(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => new DatasetFile(name, 1, new string('0', 64)));
        Assert.Contains("plain file name", e.Message);
        Assert.ThrowsAny<ArgumentException>(() => new JoinProtocol.FetchDataChunk(name, 0, 1));
    }

    [Fact]
    public void A_manifest_must_refuse_a_bad_hash_and_a_name_listed_twice()
    {
        Assert.Contains("64 lower-case hex digits", Assert.Throws<ArgumentException>(() => new DatasetFile("a", 1, new string('A', 64))).Message);
        var f = new DatasetFile("a.csv", 1, new string('0', 64));
        Assert.Contains("'A.CSV' appears twice",
            Assert.Throws<ArgumentException>(() => new DatasetManifest("csv", [f, new DatasetFile("A.CSV", 1, new string('1', 64))])).Message);
    }

    [Fact]
    public void Csv_options_must_give_the_training_file_first_and_keep_two_equal_names_apart()
    {
        string train = Path.Combine(_dir.Sub("train"), "data.csv"), test = Path.Combine(_dir.Sub("test"), "data.csv");
        JoinFixtures.WriteCsv(train, 50, 1);
        JoinFixtures.WriteCsv(test, 10, 2);

        var manifest = DatasetSource.ForOptions(new TrainingOptions { Dataset = "csv", DataPath = train, TestPath = test }).Manifest;

        Assert.Equal(["data.csv", "test-data.csv"], manifest.Files.Select(f => f.Name));
        Assert.False(manifest.IsSynthetic);
    }

    [Fact]
    public void A_synthetic_set_must_have_no_files_and_a_hash_of_its_parameters()
    {
        var options = new TrainingOptions { Dataset = "spirals", SyntheticCount = 500, Seed = 7 };
        var manifest = DatasetSource.ForOptions(options).Manifest;

        Assert.True(manifest.IsSynthetic);
        Assert.Equal("samples=500 seed=7", manifest.Parameters);
        Assert.NotEqual(manifest.Sha256, DatasetSource.ForOptions(options with { Seed = 8 }).Manifest.Sha256);
    }

    [Fact]
    public void A_missing_file_must_be_named()
    {
        var e = Assert.Throws<DataFormatException>(() => DatasetSource.FromFiles("csv", [("x.csv", _dir.File("x.csv"))]));
        Assert.Equal(_dir.File("x.csv"), e.FilePath);
    }

    [FashionMnistFact]
    public void FashionMnist_manifest_must_list_the_four_files_MnistFormat_reads()
    {
        var manifest = DatasetSource.ForOptions(new TrainingOptions()).Manifest;

        Assert.Equal(4, manifest.Files.Count);
        Assert.All(manifest.Files, f => Assert.True(File.Exists(Path.Combine(MnistFormat.FashionMnistDirectory, f.Name))));
        Assert.Contains(manifest.Files, f => f.Name.StartsWith(MnistFormat.TrainImagesFile, StringComparison.Ordinal));
    }
}
