// `dpt experiment simulate` without the command line: the step model of each design at each worker count,
// as a report in the same format as the real runs', with the calibration's check where there is one.
using System.Globalization;

namespace Dpt.Coordinator.Experiments;

/// <summary>A simulation's settings. Validated by the command line before it gets here.</summary>
/// <param name="Batch">The global batch under strong scaling, the per-worker batch under weak scaling.</param>
/// <param name="Shards">K of the sharded design; null for as many shards as workers.</param>
/// <param name="CalibratedFrom">The file the costs were fitted to; null for the defaults.</param>
public sealed record SimulationOptions(IReadOnlyList<int> Workers, Network Network, StepCosts Costs, ScalingMode Scaling, int Batch, int? Shards,
    int Parameters, double FlopsPerSample, string? CalibratedFrom = null, IReadOnlyList<CalibrationCheck>? Calibration = null);

public static class Simulation
{
    /// <summary>The reference workload (MLP 784-256-128-10): its parameters and its training FLOPs per sample.</summary>
    public const int ReferenceParameters = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10;

    /// <summary>Compute rate of one worker on the reference workload, from `dpt bench --workers 1,2 --rounds 5`
    /// (README, 3 Dec 2026): 128 samples of 1.0076 MFLOP computed in 1.410 ms.</summary>
    public const double DefaultGflops = 91;

    /// <summary>The optimizer's share of that benchmark's step, 0.29 ms for 235,146 parameters (momentum SGD).</summary>
    public const double DefaultOptimizerNsPerParameter = 1.23;

    /// <summary>Adding one float to a running sum at memory speed (about 16 GB/s of gradient read).</summary>
    public const double DefaultAggregateNsPerValue = 0.25;

    /// <summary>That benchmark's communication remainder with one worker.</summary>
    public const double DefaultStepOverheadMs = 0.03;

    /// <summary>Assumed, not measured: handling one message of a networked transport (framing, dispatch, a wake-up).</summary>
    public const double DefaultMessageOverheadUs = 10;

    public static ExperimentReport Run(SimulationOptions o)
    {
        var model = new StepModel(o.Costs, o.Network, o.Parameters);
        var runs = new List<RunResult>();
        foreach (var design in Enum.GetValues<Design>())
            foreach (int n in o.Workers.Distinct().Order())
            {
                double perWorker = o.Scaling == ScalingMode.Strong ? (double)o.Batch / n : o.Batch;
                int global = o.Scaling == ScalingMode.Strong ? o.Batch : o.Batch * n;
                var step = model.Step(design, n, perWorker, o.Shards ?? n);
                runs.Add(new RunResult(StepModel.Name(design), n, global, global / (step.StepMs / 1e3), step));
            }
        string shards = o.Shards is { } k ? k.ToString(CultureInfo.InvariantCulture) : "one per worker";
        var c = o.Costs;
        var settings = new List<KeyValuePair<string, string>>
        {
            new("workers", string.Join(",", o.Workers)),
            new("bandwidth per link", Units.FormatBandwidth(o.Network.BytesPerSecond)),
            new("latency per hop", Units.FormatDuration(o.Network.LatencySeconds)),
            new("scaling", o.Scaling == ScalingMode.Strong ? $"strong: global batch {o.Batch}" : $"weak: {o.Batch} samples per worker"),
            new("parameters", $"{o.Parameters:N0} ({4.0 * o.Parameters / 1e6:F3} MB per gradient or parameter message)"),
            new("sharded-ps shards (K)", shards),
            new("compute per sample", $"{c.ComputeSecondsPerSample * 1e6:F3} us ({o.FlopsPerSample / c.ComputeSecondsPerSample / 1e9:F1} GFLOP/s at {o.FlopsPerSample / 1e6:F4} MFLOP per sample)"),
            new("optimizer per parameter", $"{c.OptimizerSecondsPerParameter * 1e9:F3} ns"),
            new("aggregation per gradient value", $"{c.AggregateSecondsPerValue * 1e9:F3} ns"),
            new("fixed overhead per step", $"{c.StepOverheadSeconds * 1e3:F4} ms"),
            new("overhead per message", $"{c.MessageOverheadSeconds * 1e6:F3} us"),
            new("straggler distribution", c.Straggler.ToString()),
            new("costs from", o.CalibratedFrom is { } from ? $"calibration on {from}" : "defaults (dpt bench figures in the README; per-message overhead assumed)"),
        };
        var notes = new List<string>
        {
            "Every node has one full-duplex link of the given bandwidth and latency; no congestion, no overlap of communication with compute, no hierarchical reduction.",
            "single-ps: push then pull, the server's link carrying N gradients in and N parameter sets out; the server sums N gradients and applies the optimizer.",
            $"sharded-ps: the same over K server nodes (K = {shards}), each link carrying N/K of the traffic; each worker sends and receives K messages.",
            "ring-allreduce: reduce-scatter then all-gather, 2(N-1) hops of latency and 2(N-1)/N of a gradient per worker; every worker applies the optimizer.",
            "Compute is the mean worker's; waiting for stragglers is the expected slowest of N minus the mean, from the straggler distribution; communication includes the fixed overhead per step.",
        };
        if (o.Calibration is { Count: > 0 } checks)
            notes.Add("Calibration (local mode modelled as sharded-ps with one shard per worker, in-process): " +
                      string.Join("; ", checks.Select(x => string.Create(CultureInfo.InvariantCulture,
                          $"{x.Workers} worker(s): measured {x.MeasuredStepMs:F3} ms, predicted {x.PredictedStepMs:F3} ms ({x.RelativeError * 100:+0.0;-0.0}%)"))) + ".");
        string title = $"Modelled synchronous step, {o.Workers.Min()} to {o.Workers.Max()} workers, three designs, " +
                       $"{Units.FormatBandwidth(o.Network.BytesPerSecond)} links with {Units.FormatDuration(o.Network.LatencySeconds)} latency";
        return ExperimentReport.Create("simulate", title, o.Scaling, settings, runs, notes, o.Calibration);
    }
}
