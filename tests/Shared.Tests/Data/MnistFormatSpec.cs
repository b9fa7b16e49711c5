using System.Diagnostics;
using Dpt.Data;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Data;

public sealed class MnistFormatSpec(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte Pixel(int k) => (byte)(k * 13 % 256);

    /// <summary>Writes a small MNIST-format directory: training files raw, test files gzip-compressed.</summary>
    private void WriteSmallSet(int trainCount = 6, int testCount = 4)
    {
        _dir.Write(MnistFormat.TrainImagesFile, IdxBytes.Images(trainCount, 2, 3, Pixel));
        _dir.Write(MnistFormat.TrainLabelsFile, IdxBytes.Labels(Enumerable.Range(0, trainCount).Select(i => (byte)(i % 10)).ToArray()));
        _dir.Write(MnistFormat.TestImagesFile + ".gz", IdxBytes.Gzip(IdxBytes.Images(testCount, 2, 3, k => Pixel(k + 1))));
        _dir.Write(MnistFormat.TestLabelsFile + ".gz", IdxBytes.Gzip(IdxBytes.Labels(Enumerable.Range(0, testCount).Select(i => (byte)(9 - i)).ToArray())));
    }

    [Fact]
    public void Load_must_read_raw_and_gzip_files_into_pixel_features_and_labels()
    {
        WriteSmallSet();

        var (train, test) = MnistFormat.Load(_dir.Path, "tiny");

        Assert.Equal(("tiny/train", 6, 6, 10), (train.Name, train.Count, train.FeatureCount, train.ClassCount));
        Assert.Equal(("tiny/test", 4, 6), (test.Name, test.Count, test.FeatureCount));
        Assert.Equal(Enumerable.Range(0, 36).Select(k => (float)Pixel(k)), train.Features);
        Assert.Equal(Enumerable.Range(0, 24).Select(k => (float)Pixel(k + 1)), test.Features);
        Assert.Equal([0, 1, 2, 3, 4, 5], train.Labels);
        Assert.Equal([9, 8, 7, 6], test.Labels);
        Assert.Null(train.ClassNames);
    }

    [Fact]
    public void LoadFashionMnist_must_name_the_classes()
    {
        WriteSmallSet();

        var (train, test) = MnistFormat.LoadFashionMnist(_dir.Path);

        Assert.Equal("fashion-mnist/train", train.Name);
        Assert.Equal("T-shirt/top", train.ClassNames![0]);
        Assert.Equal("Ankle boot", test.ClassNames![9]);
    }

    [Fact]
    public void The_raw_file_must_be_preferred_when_both_raw_and_gzip_exist()
    {
        WriteSmallSet();
        _dir.Write(MnistFormat.TrainLabelsFile + ".gz", IdxBytes.Gzip(IdxBytes.Labels(9, 9, 9, 9, 9, 9)));

        Assert.Equal([0, 1, 2, 3, 4, 5], MnistFormat.Load(_dir.Path, "tiny").Train.Labels);
    }

    [Fact]
    public void Missing_files_must_all_be_named_with_the_directory_and_how_to_get_them()
    {
        _dir.Write(MnistFormat.TrainImagesFile + ".gz", IdxBytes.Gzip(IdxBytes.Images(1, 2, 3, Pixel)));

        var e = Assert.Throws<DataFormatException>(() => MnistFormat.LoadFashionMnist(_dir.Path));

        Assert.Equal(_dir.Path, e.FilePath);
        Assert.Contains("missing train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]", e.Message);
        Assert.DoesNotContain("train-images", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("/usr/share/datasets/fashion-mnist", e.Message);

        e = Assert.Throws<DataFormatException>(() => MnistFormat.Load(_dir.Path, "mnist"));
        Assert.Contains("put the four IDX files", e.Message);
    }

    [Fact]
    public void A_missing_directory_must_be_named_with_how_to_get_the_data()
    {
        string absent = Path.Combine(_dir.Path, "not-installed");
        var e = Assert.Throws<DataFormatException>(() => MnistFormat.LoadFashionMnist(absent));
        Assert.Equal($"{absent}: directory does not exist; install Fashion-MNIST with `apt-get install dataset-fashion-mnist` (it installs to /usr/share/datasets/fashion-mnist)", e.Message);
    }

    [Fact]
    public void Image_and_label_counts_that_differ_must_name_both_files_and_both_counts()
    {
        WriteSmallSet();
        string labels = _dir.Write(MnistFormat.TrainLabelsFile, IdxBytes.Labels(0, 1, 2, 3, 4));

        var e = Assert.Throws<DataFormatException>(() => MnistFormat.Load(_dir.Path, "tiny"));

        Assert.Equal($"{labels}: holds 5 labels but {_dir.File(MnistFormat.TrainImagesFile)} holds 6 images", e.Message);
    }

    [Fact]
    public void A_label_beyond_the_class_count_must_be_rejected_with_its_position()
    {
        WriteSmallSet();
        string labels = _dir.Write(MnistFormat.TrainLabelsFile, IdxBytes.Labels(0, 1, 10, 3, 4, 5));

        var e = Assert.Throws<DataFormatException>(() => MnistFormat.Load(_dir.Path, "tiny"));

        Assert.Equal(labels, e.FilePath);
        Assert.Contains("label 10 at index 2 is out of range for 10 classes (0..9)", e.Message);
    }

    [Fact]
    public void A_malformed_file_in_the_directory_must_surface_as_a_DataFormatException_for_that_file()
    {
        WriteSmallSet();
        string images = _dir.Write(MnistFormat.TestImagesFile + ".gz", IdxBytes.Gzip(IdxBytes.Labels(1, 2, 3, 4)));

        var e = Assert.Throws<DataFormatException>(() => MnistFormat.Load(_dir.Path, "tiny"));

        Assert.Equal(images, e.FilePath);
        Assert.Contains("wrong magic number 0x00000801", e.Message);
    }

    [FashionMnistFact]
    public void The_installed_Fashion_MNIST_must_load_with_its_published_shapes_and_balanced_classes()
    {
        var clock = Stopwatch.StartNew();
        var (train, test) = MnistFormat.LoadFashionMnist();
        clock.Stop();
        output.WriteLine($"Loaded Fashion-MNIST ({train.Count} + {test.Count} images) from {MnistFormat.FashionMnistDirectory} in {clock.Elapsed.TotalMilliseconds:F0} ms");
        output.WriteLine(train.Describe());
        output.WriteLine(test.Describe());

        Assert.Equal((60_000, 784, 10), (train.Count, train.FeatureCount, train.ClassCount));
        Assert.Equal((10_000, 784, 10), (test.Count, test.FeatureCount, test.ClassCount));
        Assert.All(train.CountPerClass(), n => Assert.Equal(6_000, n));
        Assert.All(test.CountPerClass(), n => Assert.Equal(1_000, n));
        Assert.Equal(MnistFormat.FashionMnistClassNames, train.ClassNames!);
        Assert.Equal(0f, train.Features.Min());
        Assert.Equal(255f, train.Features.Max());
        Assert.All(train.Features.Take(10_000), v => Assert.Equal(MathF.Round(v), v));
    }
}
