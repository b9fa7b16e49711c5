// A joined worker's data: the run's options pointed at the prepared directory, loaded with the normal
// loaders, and checked to be the model and shape the coordinator trains (a worker never trains on other data).
using Dpt.Data;

namespace Dpt.Training.Join;

public static class JoinedData
{
    /// <summary>
    /// <paramref name="config"/>'s options with the data paths replaced by files in <paramref name="directory"/>:
    /// for MNIST-format sets the directory itself, for csv the first manifest file as training data and the
    /// second, if any, as test data. Synthetic sets (null directory) keep their options.
    /// </summary>
    public static TrainingOptions OptionsFor(JoinProtocol.TrainingConfig config, string? directory)
    {
        ArgumentNullException.ThrowIfNull(config);
        var options = config.Options;
        var files = config.Dataset.Files;
        if (config.Dataset.IsSynthetic) return options;
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return options.Dataset switch
        {
            "csv" => options with
            {
                DataPath = Path.Combine(directory, files[0].Name),
                TestPath = files.Count > 1 ? Path.Combine(directory, files[1].Name) : null,
            },
            _ => options with { DataPath = directory },
        };
    }

    /// <summary>Loads the data from <paramref name="directory"/> (see <see cref="OptionsFor"/>) and checks that its
    /// shape and the model the options make of it are the coordinator's.</summary>
    /// <exception cref="DataFormatException">A file cannot be read.</exception>
    /// <exception cref="DatasetMismatchException">The loaded data or the model differs from the coordinator's.</exception>
    public static TrainingData Load(JoinProtocol.TrainingConfig config, string? directory)
    {
        var options = OptionsFor(config, directory);
        var data = TrainingData.Load(options);
        var shape = DatasetShape.Of(data);
        if (DatasetShape.Compare(config.Shape, shape) is { } shapeDiffers)
            throw new DatasetMismatchException($"data set {config.Dataset.Dataset} as loaded on this worker differs from the coordinator's: {shapeDiffers}");
        string model = options.ModelFor(shape.Features, shape.Outputs).ToString();
        if (JoinCheck.Compare(JoinIdentity.Of(config), new JoinIdentity(JoinProtocol.CurrentVersion, model)) is { } modelDiffers)
            throw new DatasetMismatchException($"this worker's model differs from the coordinator's: {modelDiffers}");
        return data;
    }
}
