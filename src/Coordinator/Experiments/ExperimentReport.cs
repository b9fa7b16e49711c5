// The results of a scale-out experiment, real (`dpt experiment scale`) or modelled (`dpt experiment simulate`):
// one run per design and worker count, with speedup and efficiency against the design's smallest worker count.
// It holds numbers only; ReportWriter turns them into results.csv, results.json and report.html.
namespace Dpt.Coordinator.Experiments;

/// <summary>Strong scaling keeps the global batch fixed as workers are added; weak scaling keeps each worker's batch fixed.</summary>
public enum ScalingMode { Strong, Weak }

/// <summary>Where a mean step's wall time went, in milliseconds; the parts add up to <see cref="StepMs"/>.</summary>
/// <param name="ComputeMs">The workers' mean time computing their shards (forward and backward).</param>
/// <param name="CommunicationMs">Messages, serialisation, wake-ups and the network: what remains of the step.</param>
/// <param name="StragglerMs">How much longer the slowest worker computed than the mean: the others wait for it.</param>
/// <param name="OptimizerMs">Averaging the gradients and applying the optimizer.</param>
public sealed record StepSplit(double ComputeMs, double CommunicationMs, double StragglerMs, double OptimizerMs)
{
    public double StepMs => ComputeMs + CommunicationMs + StragglerMs + OptimizerMs;
}

/// <summary>Test accuracy (a fraction) after <paramref name="Seconds"/> of training.</summary>
public sealed record AccuracyPoint(double Seconds, double Accuracy);

/// <summary>One design at one worker count.</summary>
/// <param name="Design">"local" for a real run in this process; for the simulator the design modelled.</param>
/// <param name="GlobalBatch">Samples per step over all workers.</param>
/// <param name="Steps">Steps measured (0 for a simulation).</param>
/// <param name="Seconds">Wall time of the measured steps (0 for a simulation).</param>
/// <param name="TimeToTargetSeconds">Training time until the test accuracy first reached the target; null if it did not or none was set.</param>
/// <param name="FinalAccuracy">Test accuracy at the end; null where there is none (simulations, runs without a test set).</param>
/// <param name="Accuracy">Test accuracy against training time, one point per evaluation (real runs only).</param>
public sealed record RunResult(string Design, int Workers, int GlobalBatch, double SamplesPerSecond, StepSplit Step, long Steps = 0, double Seconds = 0,
    double? TimeToTargetSeconds = null, double? FinalAccuracy = null, IReadOnlyList<AccuracyPoint>? Accuracy = null)
{
    /// <summary>Throughput over the design's smallest worker count's; set by <see cref="ExperimentReport.Create"/>.</summary>
    public double Speedup { get; init; } = 1;

    /// <summary><see cref="Speedup"/> divided by the ratio of worker counts: 1 is perfect scaling.</summary>
    public double Efficiency { get; init; } = 1;

    public IReadOnlyList<AccuracyPoint> Accuracy { get; init; } = Accuracy ?? [];
}

/// <summary>A calibrated model's prediction of a measured step time.</summary>
public sealed record CalibrationCheck(int Workers, int GlobalBatch, double MeasuredStepMs, double PredictedStepMs)
{
    /// <summary>(predicted - measured) / measured.</summary>
    public double RelativeError => (PredictedStepMs - MeasuredStepMs) / MeasuredStepMs;
}

/// <param name="Kind">"scale" (real runs) or "simulate".</param>
/// <param name="Title">One line saying what was run or modelled.</param>
/// <param name="Settings">The experiment's settings as name and value, in the order to show them.</param>
/// <param name="Notes">Sentences a reader needs to read the numbers right (assumptions, what was fitted).</param>
/// <param name="Calibration">Predicted against measured step times, where the model was calibrated.</param>
public sealed record ExperimentReport(string Kind, string Title, ScalingMode Scaling, IReadOnlyList<KeyValuePair<string, string>> Settings,
    IReadOnlyList<RunResult> Runs, IReadOnlyList<string> Notes, IReadOnlyList<CalibrationCheck> Calibration)
{
    /// <summary>The report of <paramref name="runs"/>, sorted by design (first appearance) and worker count, with each
    /// run's speedup and efficiency against the smallest worker count of its design.</summary>
    public static ExperimentReport Create(string kind, string title, ScalingMode scaling, IReadOnlyList<KeyValuePair<string, string>> settings,
        IEnumerable<RunResult> runs, IReadOnlyList<string>? notes = null, IReadOnlyList<CalibrationCheck>? calibration = null)
    {
        var scaled = new List<RunResult>();
        foreach (var design in runs.GroupBy(r => r.Design))
        {
            var sorted = design.OrderBy(r => r.Workers).ToList();
            var baseline = sorted[0];
            foreach (var r in sorted)
            {
                double speedup = r.SamplesPerSecond / baseline.SamplesPerSecond;
                scaled.Add(r with { Speedup = speedup, Efficiency = speedup / ((double)r.Workers / baseline.Workers) });
            }
        }
        return new ExperimentReport(kind, title, scaling, settings, scaled, notes ?? [], calibration ?? []);
    }

    public IReadOnlyList<string> Designs => Runs.Select(r => r.Design).Distinct().ToList();
}
