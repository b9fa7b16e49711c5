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
        ulong testSeed = o.Seed ^ 0x5EED_7E57UL;
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
            case "spirals":
                return (SyntheticData.TwoSpirals(n / 2, 0.2, o.Seed), SyntheticData.TwoSpirals(nTest / 2, 0.2, testSeed));
            case "xor":
                return (SyntheticData.Xor(n, 0.1, o.Seed), SyntheticData.Xor(nTest, 0.1, testSeed));
            case "blobs":
                return (SyntheticData.GaussianBlobs(n, 4, 2, 1.0, o.Seed), SyntheticData.GaussianBlobs(nTest, 4, 2, 1.0, testSeed));
            case "random":
                return (SyntheticData.Random(n, 784, 10, o.Seed), SyntheticData.Random(nTest, 784, 10, testSeed));
            default:
                throw new InvalidOptionException("--dataset", o.Dataset, $"expected one of {string.Join(", ", TrainingOptionsValidator.Datasets)}");
        }
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
