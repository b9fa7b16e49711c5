// The steps of the last few seconds of training, for what is true "now": throughput (the whole run's and
// each worker's) and the step time split. Rates divide by the steps' own times, so an epoch's evaluation
// pause does not count as slow training; after training stops they keep the values of its last seconds.
using System.Diagnostics;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Dashboard;

/// <summary>Means over the recent steps; all zero before the first.</summary>
internal sealed record RecentSummary(int Steps, long Samples, double StepSeconds, double MeanStepSeconds, double MeanComputeSeconds,
    double MeanStragglerSeconds, double MeanOptimizerSeconds, double MeanCommunicationSeconds,
    IReadOnlyDictionary<string, WorkerWindow> Workers)
{
    /// <summary>Training samples per second of step time.</summary>
    public double SamplesPerSecond => StepSeconds > 0 ? Samples / StepSeconds : 0;
}

/// <summary>One worker's part of the recent steps.</summary>
internal readonly record struct WorkerWindow(long Samples, double ComputeSeconds, int Shards);

internal sealed class RecentSteps
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(2);

    private readonly long _windowTicks;
    private readonly Queue<StepCompleted> _steps = new();

    public RecentSteps(TimeSpan? window = null)
    {
        var w = window ?? DefaultWindow;
        if (w <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(window), w, "must be positive");
        _windowTicks = (long)(w.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>Adds a step and forgets those more than the window older than it (by <see cref="StepCompleted.Timestamp"/>).</summary>
    public void Add(StepCompleted step)
    {
        _steps.Enqueue(step);
        while (_steps.Peek().Timestamp < step.Timestamp - _windowTicks) _steps.Dequeue();
    }

    public RecentSummary Summarize()
    {
        long samples = 0;
        double step = 0, compute = 0, straggler = 0, optimizer = 0, communication = 0;
        var workers = new Dictionary<string, WorkerWindow>(StringComparer.Ordinal);
        foreach (var s in _steps)
        {
            samples += s.Metrics.Count;
            step += s.Times.StepSeconds;
            compute += s.Times.MeanComputeSeconds;
            straggler += s.Times.StragglerSeconds;
            optimizer += s.Times.ApplySeconds;
            communication += s.Times.CommunicationSeconds;
            foreach (var shard in s.Shards)
            {
                var w = workers.GetValueOrDefault(shard.Worker);
                workers[shard.Worker] = new WorkerWindow(w.Samples + shard.Shard.Count, w.ComputeSeconds + shard.Timing.ComputeSeconds, w.Shards + 1);
            }
        }
        int n = _steps.Count;
        double Mean(double sum) => n == 0 ? 0 : sum / n;
        return new RecentSummary(n, samples, step, Mean(step), Mean(compute), Mean(straggler), Mean(optimizer), Mean(communication), workers);
    }
}
