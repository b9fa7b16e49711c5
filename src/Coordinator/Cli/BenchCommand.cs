// `dpt bench`: samples/s of the reference workload through the local training path, as a table or one JSON object.
using System.CommandLine;
using System.Text.Json;
using Dpt.Coordinator.Bench;
using Dpt.Training;
using Spectre.Console;

namespace Dpt.Coordinator.Cli;

internal static class BenchCommand
{
    private const string AtLeastOne = "an integer >= 1";

    private static readonly Option<int> Workers = CliOptions.Int("--workers", 1, "Worker actors (one thread each)", TrainingOptionsValidator.Accepted.Workers);
    private static readonly Option<int> Batch = CliOptions.Int("--batch", 128, $"Global mini-batch per step, from --workers to {TrainingOptionsValidator.MaxBatch}",
        $"an integer from --workers to {TrainingOptionsValidator.MaxBatch}");
    private static readonly Option<int> Warmup = CliOptions.Int("--warmup", 100, "Steps run before measuring (JIT, caches, throughput estimates)", AtLeastOne);
    private static readonly Option<int> Steps = CliOptions.Int("--steps", 200, "Steps per measurement window", AtLeastOne);
    private static readonly Option<int> Windows = CliOptions.Int("--windows", 5, "Measurement windows; the median window is reported", AtLeastOne);
    private static readonly Option<ulong> Seed = CliOptions.ULong("--seed", 1, "Seed of the synthetic data and initialisation");
    private static readonly Option<bool> Json = CliOptions.Flag("--json", "Print one JSON object instead of the table");

    public static Command Create()
    {
        var command = new Command("bench",
            "Measure training throughput on the reference workload (MLP 784-256-128-10, ReLU, softmax cross-entropy, momentum 0.9, lr 0.05) with synthetic data of Fashion-MNIST's shapes.");
        foreach (var option in new Option[] { Workers, Batch, Warmup, Steps, Windows, Seed, Json }) command.Options.Add(option);
        command.SetAction((r, cancellation) => Cli.Run(() => RunAsync(r, cancellation)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult r, CancellationToken cancellation)
    {
        var b = new BenchOptions(r.GetValue(Workers), r.GetValue(Batch), r.GetValue(Warmup), r.GetValue(Steps), r.GetValue(Windows), r.GetValue(Seed));
        if (b.Workers is < 1 or > TrainingOptionsValidator.MaxWorkers)
            throw new InvalidOptionException("--workers", b.Workers.ToString(), $"expected {TrainingOptionsValidator.Accepted.Workers}");
        if (b.Batch < b.Workers || b.Batch > TrainingOptionsValidator.MaxBatch)
            throw new InvalidOptionException("--batch", b.Batch.ToString(), $"expected an integer from --workers ({b.Workers}) to {TrainingOptionsValidator.MaxBatch}");
        if (b.WarmupSteps < 1) throw new InvalidOptionException("--warmup", b.WarmupSteps.ToString(), $"expected {AtLeastOne}");
        if (b.StepsPerWindow < 1) throw new InvalidOptionException("--steps", b.StepsPerWindow.ToString(), $"expected {AtLeastOne}");
        if (b.Windows < 1) throw new InvalidOptionException("--windows", b.Windows.ToString(), $"expected {AtLeastOne}");
        bool json = r.GetValue(Json);
        if (!json) Console.Error.WriteLine($"benchmarking {LocalBenchmark.Workload}, batch {b.Batch}, {b.Workers} workers: {b.WarmupSteps} warm-up steps, then {b.Windows} windows of {b.StepsPerWindow} steps");
        BenchResult result;
        try
        {
            result = await LocalBenchmark.RunAsync(b, json ? null : p => Console.Error.Write($"\r{p} "), cancellation);
        }
        finally
        {
            if (!json) Console.Error.WriteLine(); // ends the progress line, also before a message that the run was interrupted
        }
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["workload"] = result.Workload,
                ["workers"] = result.Workers,
                ["batch"] = result.Batch,
                ["samples_per_s"] = Math.Round(result.SamplesPerSecond),
                ["gflops"] = Math.Round(result.Gflops, 2),
                ["seconds"] = Math.Round(result.Seconds, 3),
                ["steps"] = result.Steps,
                ["step_ms"] = Ms(result.StepSeconds),
                ["compute_ms"] = Ms(result.ComputeSeconds),
                ["communication_ms"] = Ms(result.CommunicationSeconds),
                ["straggler_ms"] = Ms(result.StragglerSeconds),
                ["optimizer_ms"] = Ms(result.OptimizerSeconds),
                ["window_samples_per_s"] = result.WindowSamplesPerSecond.Select(w => Math.Round(w)).ToArray(),
                ["gemm_path"] = result.GemmPath,
            }));
            return Cli.Ok;
        }
        Terminal.Console.WriteLine(result.Workload); // a line of its own: as the table's title it wrapped to the table's width
        var table = new Table().Border(TableBorder.Rounded).AddColumn("measure").AddColumn(new TableColumn("median").RightAligned());
        void Row(string k, string v) => table.AddRow(Markup.Escape(k), Markup.Escape(v));
        Row("workers", result.Workers.ToString());
        Row("global batch", result.Batch.ToString());
        Row("samples/s", $"{result.SamplesPerSecond:N0}");
        Row("GFLOP/s", $"{result.Gflops:F1}");
        Row("step", $"{Ms(result.StepSeconds)} ms");
        Row("  compute (slowest worker)", $"{Ms(result.ComputeSeconds)} ms");
        Row("  waiting for stragglers", $"{Ms(result.StragglerSeconds)} ms");
        Row("  optimizer", $"{Ms(result.OptimizerSeconds)} ms");
        Row("  communication", $"{Ms(result.CommunicationSeconds)} ms");
        Row("windows (samples/s)", string.Join(", ", result.WindowSamplesPerSecond.Select(w => w.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))));
        Row("measured", $"{result.Steps} steps in {result.Seconds:F2} s");
        Row("GEMM path", result.GemmPath);
        Terminal.Console.Write(table);
        return Cli.Ok;
    }

    private static double Ms(double seconds) => Math.Round(seconds * 1e3, 3);
}
