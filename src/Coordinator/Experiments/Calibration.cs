// Fits the step model's costs to measured local runs (results.json of `dpt experiment scale`, or the JSON lines
// of `dpt bench --json`), then predicts those runs back. Local mode is the sharded design with one shard per
// worker (up to the cores) on threads of one process: no wire, no latency. Each part of the measured step
// fits its own cost, so the prediction of the total is a check, not an identity:
//   compute = c·b                      (c by least squares over the runs; b = samples per worker)
//   optimizer = P/K·(u + (N-1)·a)      (u by least squares, a kept at its default)
//   straggler = compute·(E[max]/mean - 1)   (the distribution's spread from the largest worker count)
//   communication = f + 2·N·m          (f and m from the runs' remainders, neither below 0)
using System.Text.Json;

namespace Dpt.Coordinator.Experiments;

/// <summary>One measured local run: <paramref name="Shards"/> parameter-server shards, the mean step split.</summary>
public sealed record Measurement(int Workers, int Shards, int GlobalBatch, StepSplit Step)
{
    public double PerWorkerBatch => (double)GlobalBatch / Workers;
}

/// <summary>The fitted costs, and the model's prediction of each measured run.</summary>
public sealed record CalibrationResult(StepCosts Costs, IReadOnlyList<CalibrationCheck> Checks);

public static class Calibration
{
    /// <summary>The measurements in <paramref name="path"/>: a results.json of dpt experiment scale, or the lines of
    /// dpt bench --json (whose compute_ms is the slowest worker's: the mean is that less the straggler time).</summary>
    /// <exception cref="InvalidDataException">The file is neither, or holds no run.</exception>
    public static IReadOnlyList<Measurement> Read(string path)
    {
        string text = File.ReadAllText(path);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        List<Measurement> runs;
        if (lines.Length > 0 && lines[0].StartsWith('{') && lines[0].EndsWith('}') && lines[0].Contains("\"workload\"", StringComparison.Ordinal))
        {
            try
            {
                runs = lines.Select(l => JsonDocument.Parse(l).RootElement).Select(o =>
                {
                    if (o.TryGetProperty("mode", out var mode) && mode.GetString() is { } m && m != "local") throw NotLocal(path, m);
                    int workers = o.GetProperty("workers").GetInt32();
                    double straggler = o.GetProperty("straggler_ms").GetDouble();
                    return new Measurement(workers, LocalShards(workers), o.GetProperty("batch").GetInt32(),
                        new StepSplit(o.GetProperty("compute_ms").GetDouble() - straggler, o.GetProperty("communication_ms").GetDouble(), straggler,
                            o.GetProperty("optimizer_ms").GetDouble()));
                }).ToList();
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{path}: not the output of dpt bench --json ({e.Message})");
            }
        }
        else
        {
            var report = ReportWriter.ReadJson(text, path);
            if (report.Kind != "scale") throw new InvalidDataException($"{path}: a '{report.Kind}' report; calibration needs measured runs (dpt experiment scale or dpt bench --json)");
            if (report.Settings.FirstOrDefault(kv => kv.Key == "mode").Value is { } mode && !mode.StartsWith("local", StringComparison.Ordinal))
                throw NotLocal(path, mode.Split(':')[0]);
            runs = report.Runs.Select(r => new Measurement(r.Workers, LocalShards(r.Workers), r.GlobalBatch, r.Step)).ToList();
        }
        if (runs.Count == 0) throw new InvalidDataException($"{path}: holds no run to calibrate with");
        return runs;
    }

    /// <summary>The model's costs are those of local mode (threads of one process, no wire); runs over a transport
    /// would fold loopback's copies and wake-ups into costs that the model then scales as if in-process.</summary>
    private static InvalidDataException NotLocal(string path, string mode) =>
        new($"{path}: {mode}-mode runs; calibration needs local-mode runs (dpt experiment scale --mode local, or dpt bench --json without --cluster)");

    /// <summary>Local mode's default parameter-server shards: one per worker, up to the cores (of this machine, which
    /// is assumed to be the one measured).</summary>
    public static int LocalShards(int workers) => Math.Min(workers, Environment.ProcessorCount);

    /// <summary>Fits <paramref name="defaults"/>' costs (all but the aggregate cost per value) to <paramref name="runs"/>.</summary>
    public static CalibrationResult Fit(IReadOnlyList<Measurement> runs, StepCosts defaults, int parameters)
    {
        if (runs.Count == 0) throw new ArgumentException("no run to calibrate with", nameof(runs));
        double p = parameters, a = defaults.AggregateSecondsPerValue;

        double c = runs.Sum(r => r.Step.ComputeMs / 1e3 * r.PerWorkerBatch) / runs.Sum(r => r.PerWorkerBatch * r.PerWorkerBatch);

        double W(Measurement r) => p / r.Shards;
        double u = Math.Max(0, runs.Sum(r => W(r) * (r.Step.OptimizerMs / 1e3 - W(r) * (r.Workers - 1) * a)) / runs.Sum(r => W(r) * W(r)));

        var straggler = defaults.Straggler;
        var spread = runs.Where(r => r.Workers > 1 && r.Step.ComputeMs > 0).OrderBy(r => r.Workers).LastOrDefault();
        if (spread is not null) straggler = straggler.Fitted(spread.Workers, spread.Step.StragglerMs / spread.Step.ComputeMs);

        // Remainder = f + x·m with x = messages a step handles on its longest path (2·max(N, K)).
        var points = runs.Select(r => (X: 2.0 * Math.Max(r.Workers, r.Shards), Y: r.Step.CommunicationMs / 1e3)).ToList();
        double f, m;
        double meanX = points.Average(q => q.X), meanY = points.Average(q => q.Y);
        double sxx = points.Sum(q => (q.X - meanX) * (q.X - meanX));
        m = sxx > 0 ? points.Sum(q => (q.X - meanX) * (q.Y - meanY)) / sxx : 0;
        f = meanY - m * meanX;
        if (m < 0) (m, f) = (0, meanY);
        if (f < 0) (f, m) = (0, points.Sum(q => q.X * q.Y) / points.Sum(q => q.X * q.X));

        var costs = new StepCosts(c, u, a, f, m, straggler);
        var model = new StepModel(costs, Network.InProcess, parameters);
        var checks = runs.OrderBy(r => r.Workers)
            .Select(r => new CalibrationCheck(r.Workers, r.GlobalBatch, r.Step.StepMs, model.Step(Design.ShardedPs, r.Workers, r.PerWorkerBatch, r.Shards).StepMs))
            .ToList();
        return new CalibrationResult(costs, checks);
    }
}
