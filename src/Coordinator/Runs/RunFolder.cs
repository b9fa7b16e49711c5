// A run's folder: config.json (the options), metrics.csv (one row per epoch, numbered from 1 as the
// progress display and --json number them), checkpoint.dpt (to resume from) and model.dpt (the final
// model). `dpt train --resume RUN` reopens one.
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dpt.Training;

namespace Dpt.Coordinator.Runs;

public sealed class RunFolder
{
    private const string MetricsHeader =
        "epoch,steps,train_loss,train_accuracy,test_loss,test_accuracy,validation_loss,validation_accuracy,samples_per_s,epoch_s,elapsed_s,learning_rate,workers";

    private RunFolder(string path) => Path = path;

    public string Path { get; }
    public string ConfigPath => System.IO.Path.Combine(Path, "config.json");
    public string MetricsPath => System.IO.Path.Combine(Path, "metrics.csv");
    public string CheckpointPath => System.IO.Path.Combine(Path, "checkpoint.dpt");
    public string ModelPath => System.IO.Path.Combine(Path, "model.dpt");

    /// <summary>A new folder under <paramref name="outputDirectory"/>, named <paramref name="name"/> or after the time and data set.</summary>
    public static RunFolder Create(string outputDirectory, string? name, TrainingOptions options)
    {
        string path = PathFor(outputDirectory, name, options);
        Directory.CreateDirectory(path);
        var run = new RunFolder(path);
        File.WriteAllText(run.ConfigPath, JsonSerializer.Serialize(options, Checkpoint.Json));
        File.WriteAllText(run.MetricsPath, MetricsHeader + "\n");
        return run;
    }

    /// <summary>
    /// Where <see cref="Create"/> would put the run now; creates nothing. A folder named after the time gets
    /// a suffix -2, -3, ... if taken; a folder <paramref name="name"/> is refused if it exists and is not empty.
    /// </summary>
    public static string PathFor(string outputDirectory, string? name, TrainingOptions options)
    {
        string baseName = name ?? $"{DateTime.Now:yyyyMMdd-HHmmss}-{options.Dataset}";
        string path = System.IO.Path.Combine(outputDirectory, baseName);
        for (int i = 2; Directory.Exists(path) && (name is null || Directory.EnumerateFileSystemEntries(path).Any()); i++)
        {
            if (name is not null)
                throw new InvalidOptionException("--name", name, $"the folder {path} exists and is not empty; choose another name or --resume it");
            path = System.IO.Path.Combine(outputDirectory, $"{baseName}-{i}");
        }
        return path;
    }

    /// <summary>An existing run to resume: it must hold a checkpoint.</summary>
    public static RunFolder Open(string path)
    {
        var run = new RunFolder(path);
        if (!Directory.Exists(path))
            throw new InvalidOptionException("--resume", path, "expected the folder of an earlier run (it does not exist)");
        if (!File.Exists(run.CheckpointPath))
            throw new InvalidOptionException("--resume", path, "expected a run folder holding checkpoint.dpt (this one has none: did its first epoch finish?)");
        return run;
    }

    /// <summary>
    /// Keeps the metrics rows of the first <paramref name="completedEpochs"/> epochs (those a checkpoint
    /// holds) and drops later ones, such as a partial epoch cut short by Ctrl-C, which a resumed run writes again.
    /// </summary>
    public void TruncateMetrics(int completedEpochs)
    {
        var kept = File.Exists(MetricsPath)
            ? File.ReadAllLines(MetricsPath).Skip(1).Where(l => int.TryParse(l.Split(',')[0], out int e) && e <= completedEpochs)
            : [];
        File.WriteAllLines(MetricsPath, [MetricsHeader, .. kept]);
    }

    public void AppendMetrics(EpochReport r)
    {
        static string F(double? x) => x is { } v ? v.ToString("G6", CultureInfo.InvariantCulture) : "";
        var line = new StringBuilder()
            .Append(r.Epoch + 1).Append(',').Append(r.Steps).Append(',')
            .Append(F(r.TrainLoss)).Append(',').Append(F(r.TrainAccuracy)).Append(',')
            .Append(F(r.TestLoss)).Append(',').Append(F(r.TestAccuracy)).Append(',')
            .Append(F(r.ValidationLoss)).Append(',').Append(F(r.ValidationAccuracy)).Append(',')
            .Append(F(r.SamplesPerSecond)).Append(',').Append(F(r.EpochSeconds)).Append(',').Append(F(r.ElapsedSeconds)).Append(',')
            .Append(F(r.LearningRate)).Append(',').Append(r.Workers);
        File.AppendAllText(MetricsPath, line + "\n");
    }
}
