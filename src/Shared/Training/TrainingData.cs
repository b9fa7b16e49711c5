// The data sets of a run, loaded and scaled as its options say: the training set (less any validation
// split), the validation and test sets, and the scaler fitted on the training part and applied to all.
using Dpt.Data;

namespace Dpt.Training;

public sealed record TrainingData(Dataset Train, Dataset? Validation, Dataset? Test, FeatureScaler Scaler)
{
    /// <summary>Reads (or generates) the data the options name; errors are <see cref="DataFormatException"/>s naming the file.</summary>
    public static TrainingData Load(TrainingOptions o)
    {
        var (train, test) = LoadRaw(o);
        Dataset? validation = null;
        if (o.ValidationSplit > 0)
        {
            var (rest, held) = train.SplitValidation(o.ValidationSplit, o.Seed);
            (train, validation) = (rest, held);
        }
        var scaler = FeatureScaler.Fit(o.Scaling ?? NaturalScaling(o.Dataset), train);
        scaler.Apply(train);
        if (validation is not null) scaler.Apply(validation);
        if (test is not null) scaler.Apply(test);
        return new TrainingData(train, validation, test, scaler);
    }

    /// <summary>Pixels to [0, 1] for image sets, z-scores for CSV, none for synthetic sets (already small).</summary>
    public static ScalingKind NaturalScaling(string dataset) => dataset switch
    {
        "fashion-mnist" or "mnist" => ScalingKind.Divide255,
        "csv" => ScalingKind.Standardize,
        _ => ScalingKind.None,
    };

    /// <summary>The training and test sets as stored, before any split or scaling.</summary>
    public static (Dataset Train, Dataset? Test) LoadRaw(TrainingOptions o)
    {
        int n = o.SyntheticCount, nTest = Math.Max(1, n / 5);
        switch (o.Dataset)
        {
            case "fashion-mnist":
                return MnistFormat.LoadFashionMnist(o.DataPath ?? MnistFormat.FashionMnistDirectory);
            case "mnist":
                if (o.DataPath is null)
                    throw new InvalidOptionException("--data", "", "the mnist data set needs --data DIR holding train-images-idx3-ubyte[.gz] and the other three IDX files");
                return MnistFormat.Load(o.DataPath, "mnist");
            case "csv":
                var train = CsvDataset.Load(o.DataPath!, CsvOptionsFor(o, null));
                var test = o.TestPath is null ? null : CsvDataset.Load(o.TestPath, CsvOptionsFor(o, train));
                return (train, test);
            // One draw split in two, so that training and test sets come from the same distribution
            // (the blobs' centres, for one, are drawn from the seed).
            case "spirals":
                return Split(SyntheticData.TwoSpirals((n + nTest) / 2, 0.2, o.Seed), nTest);
            case "xor":
                return Split(SyntheticData.Xor(n + nTest, 0.1, o.Seed), nTest);
            case "blobs":
                return Split(SyntheticData.GaussianBlobs(n + nTest, 4, 2, 0.2, o.Seed), nTest);
            case "random":
                return Split(SyntheticData.Random(n + nTest, 784, 10, o.Seed), nTest);
            default:
                throw new InvalidOptionException("--dataset", o.Dataset, $"expected one of {string.Join(", ", TrainingOptionsValidator.Datasets)}");
        }
    }

    /// <summary>The last <paramref name="testCount"/> samples (in a seeded-random order) become the test set.</summary>
    private static (Dataset Train, Dataset Test) Split(Dataset all, int testCount)
    {
        var order = Dpt.Numerics.Rng.Permutation(all.Count, 0x7E57, 0);
        return (all.Subset(order.AsSpan(0, all.Count - testCount), all.Name), all.Subset(order.AsSpan(all.Count - testCount), all.Name + "-test"));
    }

    private static CsvOptions CsvOptionsFor(TrainingOptions o, Dataset? train)
    {
        var options = new CsvOptions { ClassNames = train?.ClassNames, ClassCount = train?.ClassNames is null ? train?.ClassCount : null };
        if (o.LabelColumn is null) return options;
        return int.TryParse(o.LabelColumn, out int index)
            ? options with { LabelColumnIndex = index }
            : options with { LabelColumnName = o.LabelColumn };
    }
}
