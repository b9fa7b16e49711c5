// Loads a data set laid out like MNIST: four IDX files (training and test images and labels,
// each raw or .gz) in one directory, as Fashion-MNIST is installed by `dataset-fashion-mnist`.
// Pixels become floats 0..255 as they are; scaling is FeatureScaler's job.
using System.Numerics.Tensors;

namespace Dpt.Data;

/// <summary>Loads MNIST-format directories (MNIST, Fashion-MNIST) into <see cref="Dataset"/>s.</summary>
public static class MnistFormat
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs Fashion-MNIST.</summary>
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The command that installs Fashion-MNIST into <see cref="FashionMnistDirectory"/>.</summary>
    public const string FashionMnistInstallCommand = "apt-get install dataset-fashion-mnist";

    // File names without the optional ".gz"; where both exist the raw file is read, as it is faster.

    /// <summary>Training images, (60000, 28, 28) for MNIST and Fashion-MNIST.</summary>
    public const string TrainImagesFile = "train-images-idx3-ubyte";

    /// <summary>Training labels, (60000).</summary>
    public const string TrainLabelsFile = "train-labels-idx1-ubyte";

    /// <summary>Test images, (10000, 28, 28).</summary>
    public const string TestImagesFile = "t10k-images-idx3-ubyte";

    /// <summary>Test labels, (10000).</summary>
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte";

    /// <summary>The ten digit classes of MNIST, and the number of classes of every MNIST-format set.</summary>
    public const int ClassCount = 10;

    /// <summary>Fashion-MNIST's class names, indexed by label.</summary>
    public static IReadOnlyList<string> FashionMnistClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Loads Fashion-MNIST (60,000 training and 10,000 test images of 28 × 28) with its class names.</summary>
    /// <exception cref="DataFormatException">Files are missing (the message says how to install them) or malformed.</exception>
    public static (Dataset Train, Dataset Test) LoadFashionMnist(string directory = FashionMnistDirectory) =>
        Load(directory, "fashion-mnist", FashionMnistClassNames,
            $"install Fashion-MNIST with `{FashionMnistInstallCommand}` (it installs to {FashionMnistDirectory})");

    /// <summary>
    /// Loads the training and test sets of an MNIST-format directory as "{name}/train" and "{name}/test",
    /// with <see cref="ClassCount"/> classes, named by <paramref name="classNames"/> if given.
    /// </summary>
    /// <exception cref="DataFormatException">Files are missing or malformed.</exception>
    public static (Dataset Train, Dataset Test) Load(string directory, string name, IReadOnlyList<string>? classNames = null) =>
        Load(directory, name, classNames,
            $"put the four IDX files ({TrainImagesFile}, {TrainLabelsFile}, {TestImagesFile}, {TestLabelsFile}, each optionally .gz) there");

    /// <summary>
    /// Loads one split from an image file (N, rows, columns) and a label file (N): features are the
    /// pixels as floats 0..255, rows × columns per example; every label must be below the class count.
    /// </summary>
    public static Dataset LoadSplit(string imagesPath, string labelsPath, string name, IReadOnlyList<string>? classNames = null)
    {
        int classCount = classNames?.Count ?? ClassCount;
        IdxArray images = IdxReader.ReadImages(imagesPath);
        IdxArray labels = IdxReader.ReadLabels(labelsPath);
        if (images.Count != labels.Count)
            throw new DataFormatException(labelsPath, $"holds {labels.Count} labels but {imagesPath} holds {images.Count} images");

        var labelValues = new int[labels.Count];
        for (int i = 0; i < labelValues.Length; i++)
        {
            int label = labels.Data[i];
            if (label >= classCount)
                throw new DataFormatException(labelsPath, $"label {label} at index {i} is out of range for {classCount} classes (0..{classCount - 1})");
            labelValues[i] = label;
        }

        int featureCount = images.ItemSize;
        if (featureCount == 0)
            throw new DataFormatException(imagesPath, $"images of size [{string.Join(" × ", images.Dimensions.Skip(1))}] have no pixels");
        float[] features = FeatureBuffer.Allocate(images.Data.Length); // every element is written next
        TensorPrimitives.ConvertTruncating<byte, float>(images.Data, features);
        return Dataset.ForClassification(name, features, featureCount, labelValues, classCount, classNames);
    }

    private static (Dataset Train, Dataset Test) Load(string directory, string name, IReadOnlyList<string>? classNames, string howToGet)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
            throw new DataFormatException(directory, $"directory does not exist; {howToGet}");

        string[] files = [TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile];
        var paths = new string[files.Length];
        var missing = new List<string>();
        for (int i = 0; i < files.Length; i++)
        {
            string raw = Path.Combine(directory, files[i]);
            paths[i] = File.Exists(raw) ? raw : raw + ".gz";
            if (!File.Exists(paths[i]))
                missing.Add(files[i] + "[.gz]");
        }
        if (missing.Count > 0)
            throw new DataFormatException(directory, $"missing {string.Join(", ", missing)}; {howToGet}");

        Dataset train = LoadSplit(paths[0], paths[1], $"{name}/train", classNames);
        Dataset test = LoadSplit(paths[2], paths[3], $"{name}/test", classNames);
        if (train.FeatureCount != test.FeatureCount)
            throw new DataFormatException(paths[2], $"holds images of {test.FeatureCount} pixels but {paths[0]} holds images of {train.FeatureCount}");
        return (train, test);
    }
}
