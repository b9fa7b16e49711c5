// `dpt experiment scale`: the same training at each worker count, measured, as a report folder. Local mode runs
// the workers as threads of this process; cluster mode as dpt-worker processes on this machine joined to this
// one, over loopback or over links it emulates (--link).
using System.CommandLine;
using System.Globalization;
using Dpt.CommandLine;
using Dpt.Coordinator.Experiments;
using Dpt.Training;

namespace Dpt.Coordinator.Cli;

internal static class ExperimentScaleCommand
{
    private static readonly TrainingOptions Defaults = new();

    private static readonly Option<int[]> Workers = CliOptions.IntList("--workers", [1, 2],
        "Worker counts, comma-separated: the same training runs once for each, in this order", $"comma-separated worker counts, each {TrainingOptionsValidator.Accepted.Workers}");
    private static readonly Option<string> Mode = CliOptions.String("--mode", "local",
        "local (every worker a thread of this process) or cluster (every worker a dpt-worker process on this machine, joined to the coordinator in this process)");
    private static readonly Option<string?> Link = CliOptions.OptionalString("--link",
        "Cluster mode: the link to emulate between the coordinator and each worker process: rate=<n>kbit|mbit|gbit (each worker in a network namespace, "
        + "its veth pair shaped by tc; needs root), delay=<n>us|ms (added to every message by the transport), or both, e.g. rate=1gbit,delay=0.5ms "
        + "[default: loopback, nothing emulated]");
    private static readonly Option<int?> GlobalBatch = CliOptions.OptionalInt("--global-batch",
        $"Strong scaling: this global batch, split over the workers [default: {Defaults.BatchSize} unless --batch-per-worker is given]", TrainingOptionsValidator.Accepted.BatchSize);
    private static readonly Option<int?> BatchPerWorker = CliOptions.OptionalInt("--batch-per-worker",
        "Weak scaling: samples per worker per step, so the global batch grows with the workers [default: strong scaling]", TrainingOptionsValidator.Accepted.BatchSize);
    private static readonly Option<int?> Epochs = CliOptions.OptionalInt("--epochs", "Epochs per run [default: 1 unless --steps is given]", TrainingOptionsValidator.Accepted.Epochs);
    private static readonly Option<int?> Steps = CliOptions.OptionalInt("--steps", "Steps per run, instead of --epochs (at least 2) [default: run the epochs]", "an integer >= 2");
    private static readonly Option<double?> TargetAccuracy = CliOptions.OptionalDouble("--target-accuracy",
        "Stop each run after the first epoch whose test accuracy reaches this fraction, and report the time it took [default: none]", TrainingOptionsValidator.Accepted.TargetAccuracy);
    private static readonly Option<string> Dataset = CliOptions.String("--dataset", Defaults.Dataset, $"Data set: {string.Join(", ", TrainingOptionsValidator.Datasets)}");
    private static readonly Option<string?> Data = CliOptions.OptionalString("--data", "Directory of the IDX files, or the training CSV file [default: as dpt train]");
    private static readonly Option<int> Samples = CliOptions.Int("--samples", Defaults.SyntheticCount, "Synthetic sets only: training samples", TrainingOptionsValidator.Accepted.Samples);
    private static readonly Option<int[]> Layers = CliOptions.IntList("--layers", Defaults.Hidden, "Hidden layer sizes, comma-separated", TrainingOptionsValidator.Accepted.Layers);
    private static readonly Option<float> LearningRate = CliOptions.Float("--lr", Defaults.LearningRate, "Initial learning rate, > 0", TrainingOptionsValidator.Accepted.LearningRate);
    private static readonly Option<ulong> Seed = CliOptions.ULong("--seed", Defaults.Seed, "Seed of every random choice");
    private static readonly Option<string?> Output = CliOptions.OptionalString("--output", "Directory for results.csv, results.json and report.html [default: experiments/scale-TIME]");

    public static Command Create()
    {
        var command = new Command("scale",
            "Run the same training for each worker count and report samples/s, the step time split, speedup, efficiency and accuracy against time. "
            + $"Progress goes to standard error; Ctrl-C stops (exit code {CliProgram.Interrupted}).");
        foreach (var option in new Option[] { Workers, Mode, Link, GlobalBatch, BatchPerWorker, Epochs, Steps, TargetAccuracy, Dataset, Data, Samples, Layers, LearningRate, Seed, Output })
            command.Options.Add(option);
        command.SetAction((r, cancellation) => CliProgram.Run(() => RunAsync(r, cancellation)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult r, CancellationToken cancellation)
    {
        int[] workers = r.GetValue(Workers)!;
        if (workers.Length == 0 || workers.Any(w => w is < 1 or > TrainingOptionsValidator.MaxWorkers))
            throw new InvalidOptionException("--workers", string.Join(",", workers), $"expected comma-separated worker counts, each {TrainingOptionsValidator.Accepted.Workers}");
        string modeText = r.GetValue(Mode)!;
        var mode = modeText switch
        {
            "local" => ExperimentMode.Local,
            "cluster" => ExperimentMode.Cluster,
            _ => throw new InvalidOptionException("--mode", modeText, "expected local or cluster"),
        };
        var link = r.GetValue(Link) is { } linkText ? LinkEmulation.Parse(linkText) : null;
        if (link is not null && mode != ExperimentMode.Cluster)
            throw new InvalidOptionException("--link", r.GetValue(Link)!, "expected it with --mode cluster only: local mode has no network to emulate");

        int? global = r.GetValue(GlobalBatch), perWorker = r.GetValue(BatchPerWorker);
        if (global is not null && perWorker is not null)
            throw new InvalidOptionException("--batch-per-worker", Show(perWorker.Value), "expected either --global-batch (strong scaling) or --batch-per-worker (weak scaling), not both");
        var scaling = perWorker is null ? ScalingMode.Strong : ScalingMode.Weak;
        int batch = perWorker ?? global ?? Defaults.BatchSize;
        if (scaling == ScalingMode.Strong && batch < workers.Max())
            throw new InvalidOptionException("--global-batch", Show(batch), $"expected at least one sample per worker: an integer from the largest --workers ({workers.Max()}) to {TrainingOptionsValidator.MaxBatch}");
        if (scaling == ScalingMode.Weak && (batch < 1 || (long)batch * workers.Max() > TrainingOptionsValidator.MaxBatch))
            throw new InvalidOptionException("--batch-per-worker", Show(batch), $"expected an integer >= 1 whose product with the largest --workers is at most {TrainingOptionsValidator.MaxBatch}");

        int? epochs = r.GetValue(Epochs), steps = r.GetValue(Steps);
        if (epochs is not null && steps is not null)
            throw new InvalidOptionException("--steps", Show(steps.Value), "expected either --epochs or --steps, not both");
        if (steps is < 2) throw new InvalidOptionException("--steps", Show(steps.Value), "expected an integer >= 2");

        var training = new TrainingOptions
        {
            Dataset = r.GetValue(Dataset)!,
            DataPath = r.GetValue(Data),
            SyntheticCount = r.GetValue(Samples),
            Hidden = r.GetValue(Layers)!,
            LearningRate = r.GetValue(LearningRate),
            Seed = r.GetValue(Seed),
            // With --steps the epochs only bound the run: the step limit ends it.
            Epochs = epochs ?? (steps is null ? 1 : TrainingOptionsValidator.MaxEpochs),
        };
        var options = new ScaleOptions(workers, training, scaling, batch, steps, r.GetValue(TargetAccuracy)) { Mode = mode, Link = link };
        foreach (int n in workers) TrainingOptionsValidator.Validate(options.For(n));
        string output = ExperimentCommand.OutputDirectory(r.GetValue(Output), "scale");

        Console.Error.WriteLine($"experiment: {modeText} mode, {workers.Length} configuration(s), workers {string.Join(",", workers)}, "
                                + (scaling == ScalingMode.Strong ? $"global batch {batch}" : $"{batch} samples per worker")
                                + $", {(steps is { } s ? $"{s} steps" : $"{training.Epochs} epoch(s)")} each, data set {training.Dataset}");
        ExperimentReport report;
        var progress = ProgressLine.StandardError();
        try
        {
            // The start and end of each configuration are always shown.
            report = await ScaleExperiment.RunAsync(options, p => progress.Report(p.ToString(), edge: p.Step == 0 || p.Step == p.Steps),
                cancellation, notice: Console.Error.WriteLine);
        }
        finally
        {
            progress.End();
        }
        var files = ReportWriter.Write(report, output);
        ExperimentCommand.Print(report, files);
        return CliProgram.Ok;
    }

    private static string Show(int value) => value.ToString(CultureInfo.InvariantCulture);
}
