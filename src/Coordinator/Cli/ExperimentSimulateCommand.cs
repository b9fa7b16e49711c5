// `dpt experiment simulate`: the analytic step model (Experiments/StepModel.cs) of a single parameter server,
// a sharded one and ring all-reduce from 1 to thousands of workers, optionally calibrated by measured runs.
using System.CommandLine;
using System.Globalization;
using Dpt.CommandLine;
using Dpt.Coordinator.Experiments;
using Dpt.Training;

namespace Dpt.Coordinator.Cli;

internal static class ExperimentSimulateCommand
{
    private const int MaxSimulatedWorkers = 1 << 20;

    private static readonly Option<int[]> Workers = CliOptions.IntList("--workers", [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
        "Worker counts to model, comma-separated", $"comma-separated worker counts, each an integer from 1 to {MaxSimulatedWorkers}");
    private static readonly Option<string> Bandwidth = CliOptions.String("--bandwidth", "10Gbit",
        "Bandwidth of every node's link (full duplex), e.g. 10Gbit, 1gbit, 100mbit, 1.25GB/s");
    private static readonly Option<string> Latency = CliOptions.String("--latency", "50us", "One-way latency of a hop, e.g. 50us, 0.5ms");
    private static readonly Option<int?> GlobalBatch = CliOptions.OptionalInt("--global-batch",
        "Strong scaling: this global batch split over the workers (at least the largest worker count) [default: weak scaling, --batch-per-worker]",
        "an integer from the largest --workers to 1048576");
    private static readonly Option<int?> BatchPerWorker = CliOptions.OptionalInt("--batch-per-worker",
        "Weak scaling: samples per worker per step [default: 128 when --global-batch is not given]", "an integer from 1 to 1048576");
    private static readonly Option<string> Shards = CliOptions.String("--shards", "16",
        "Parameter-server nodes K of the sharded design: a fixed number, or 'workers' for one per worker");
    private static readonly Option<string> Straggler = CliOptions.String("--straggler", "lognormal:0.1",
        "Spread of worker compute times around their mean: none, lognormal:SIGMA (log-normal with that sigma) or exponential:THETA (an exponential tail holding THETA of the mean, THETA in [0, 1]); with --calibrate the spread is fitted");
    private static readonly Option<double> Gflops = CliOptions.Double("--gflops", Simulation.DefaultGflops,
        "A worker's compute rate on the reference workload, GFLOP/s (1.0076 MFLOP per sample; the default is dpt bench's 1 worker on this machine); replaced by --calibrate",
        "a number > 0");
    private static readonly Option<string> MessageOverhead = CliOptions.String("--message-overhead", $"{Simulation.DefaultMessageOverheadUs}us",
        "Time to handle one message (framing, dispatch, wake-up); replaced by --calibrate");
    private static readonly Option<string> StepOverhead = CliOptions.String("--step-overhead", $"{Simulation.DefaultStepOverheadMs}ms",
        "Fixed time per step (scheduling, the coordinator); replaced by --calibrate");
    private static readonly Option<string?> Calibrate = CliOptions.OptionalString("--calibrate",
        "Fit compute, optimizer, straggler and overhead costs to measured local runs: a results.json of dpt experiment scale, or the output of dpt bench --json; the report compares predicted and measured steps [default: the costs above]");
    private static readonly Option<string?> Output = CliOptions.OptionalString("--output", "Directory for results.csv, results.json and report.html [default: experiments/simulate-TIME]");

    public static Command Create()
    {
        var command = new Command("simulate",
            "Model one synchronous training step of the reference MLP (784-256-128-10, 235,146 parameters) for a single parameter server, a parameter server sharded over K nodes, "
            + "and ring all-reduce, at each worker count, from compute cost, message sizes, link bandwidth and latency and a straggler distribution.");
        foreach (var option in new Option[] { Workers, Bandwidth, Latency, GlobalBatch, BatchPerWorker, Shards, Straggler, Gflops, MessageOverhead, StepOverhead, Calibrate, Output })
            command.Options.Add(option);
        command.SetAction((r, _) => CliProgram.Run(() => Task.FromResult(Run(r))));
        return command;
    }

    private static int Run(ParseResult r)
    {
        int[] workers = r.GetValue(Workers)!;
        if (workers.Length == 0 || workers.Any(w => w is < 1 or > MaxSimulatedWorkers))
            throw new InvalidOptionException("--workers", string.Join(",", workers), $"expected comma-separated worker counts, each an integer from 1 to {MaxSimulatedWorkers}");
        var network = new Network(Units.ParseBandwidth("--bandwidth", r.GetValue(Bandwidth)!), Units.ParseDuration("--latency", r.GetValue(Latency)!));
        var (scaling, batch) = Batch(r, workers.Max());
        int? shards = ParseShards(r.GetValue(Shards)!);
        var straggler = ParseStraggler(r.GetValue(Straggler)!);
        double gflops = r.GetValue(Gflops);
        if (!(double.IsFinite(gflops) && gflops > 0)) throw new InvalidOptionException("--gflops", Show(gflops), "expected a number > 0");
        double flops = new Dpt.Model.MlpSpec([784, 256, 128, 10], Dpt.Model.Activation.Relu, Dpt.Model.OutputLoss.SoftmaxCrossEntropy).TrainingFlopsPerSample();
        var costs = new StepCosts(flops / (gflops * 1e9), Simulation.DefaultOptimizerNsPerParameter * 1e-9, Simulation.DefaultAggregateNsPerValue * 1e-9,
            Units.ParseDuration("--step-overhead", r.GetValue(StepOverhead)!), Units.ParseDuration("--message-overhead", r.GetValue(MessageOverhead)!), straggler);

        string? calibrate = r.GetValue(Calibrate);
        IReadOnlyList<CalibrationCheck>? checks = null;
        if (calibrate is not null)
        {
            var fit = Calibration.Fit(Calibration.Read(calibrate), costs, Simulation.ReferenceParameters);
            (costs, checks) = (fit.Costs, fit.Checks);
        }
        var report = Simulation.Run(new SimulationOptions(workers, network, costs, scaling, batch, shards, Simulation.ReferenceParameters, flops, calibrate, checks));
        var files = ReportWriter.Write(report, ExperimentCommand.OutputDirectory(r.GetValue(Output), "simulate"));
        ExperimentCommand.Print(report, files);
        return CliProgram.Ok;
    }

    private static (ScalingMode, int) Batch(ParseResult r, int maxWorkers)
    {
        int? global = r.GetValue(GlobalBatch), perWorker = r.GetValue(BatchPerWorker);
        if (global is not null && perWorker is not null)
            throw new InvalidOptionException("--batch-per-worker", perWorker.Value.ToString(CultureInfo.InvariantCulture),
                "expected either --global-batch (strong scaling) or --batch-per-worker (weak scaling), not both");
        if (global is { } g)
        {
            if (g < maxWorkers || g > TrainingOptionsValidator.MaxBatch)
                throw new InvalidOptionException("--global-batch", g.ToString(CultureInfo.InvariantCulture),
                    $"expected an integer from the largest --workers ({maxWorkers}) to {TrainingOptionsValidator.MaxBatch}");
            return (ScalingMode.Strong, g);
        }
        int b = perWorker ?? 128;
        if (b is < 1 or > TrainingOptionsValidator.MaxBatch)
            throw new InvalidOptionException("--batch-per-worker", b.ToString(CultureInfo.InvariantCulture), $"expected an integer from 1 to {TrainingOptionsValidator.MaxBatch}");
        return (ScalingMode.Weak, b);
    }

    private static int? ParseShards(string text)
    {
        if (text.Trim().Equals("workers", StringComparison.OrdinalIgnoreCase)) return null;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) && k is >= 1 and <= MaxSimulatedWorkers) return k;
        throw new InvalidOptionException("--shards", text, $"expected an integer from 1 to {MaxSimulatedWorkers}, or 'workers'");
    }

    /// <summary>none, lognormal:SIGMA or exponential:THETA.</summary>
    internal static StragglerDistribution ParseStraggler(string text)
    {
        const string accepted = "expected none, lognormal:SIGMA with SIGMA a number from 0 to 3 (e.g. lognormal:0.1), or exponential:THETA with THETA in [0, 1] (e.g. exponential:0.05)";
        string t = text.Trim().ToLowerInvariant();
        if (t == "none") return StragglerDistribution.None;
        var parts = t.Split(':');
        if (parts.Length == 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double spread) && double.IsFinite(spread))
        {
            if (parts[0] == "lognormal" && spread is >= 0 and <= 3) return new StragglerDistribution(StragglerKind.Lognormal, spread);
            if (parts[0] == "exponential" && spread is >= 0 and <= 1) return new StragglerDistribution(StragglerKind.Exponential, spread);
        }
        throw new InvalidOptionException("--straggler", text, accepted);
    }

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);
}
