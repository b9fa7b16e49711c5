// `dpt experiment scale` in local mode, without the command line: the same training at each worker count, one
// after the other in this process through the real actors (coordinator, parameter-server shards, workers),
// measured from the coordinator's step events. It does not run cluster mode.
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Dpt.Actors;
using Dpt.Coordinator.Local;
using Dpt.Coordinator.Training;
using Dpt.Training;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Experiments;

/// <summary>A scale experiment's settings.</summary>
/// <param name="Training">Every run's options but the workers and the batch.</param>
/// <param name="Batch">The global batch under strong scaling, the per-worker batch under weak scaling.</param>
/// <param name="Steps">Steps per run; null to train <see cref="TrainingOptions.Epochs"/> epochs.</param>
/// <param name="TargetAccuracy">A run stops after the first epoch at this test accuracy; null for none.</param>
public sealed record ScaleOptions(IReadOnlyList<int> Workers, TrainingOptions Training, ScalingMode Scaling, int Batch, long? Steps, double? TargetAccuracy)
{
    public int GlobalBatch(int workers) => Scaling == ScalingMode.Strong ? Batch : Batch * workers;

    public TrainingOptions For(int workers) => Training with { Workers = workers, BatchSize = GlobalBatch(workers), StopAtAccuracy = TargetAccuracy };
}

/// <summary>Where an experiment is: configuration <paramref name="Index"/> (from 1) of <paramref name="Count"/>, its steps, and
/// the estimated time left for every configuration (an upper bound where a target accuracy may stop runs early).</summary>
public sealed record ScaleProgress(int Index, int Count, int Workers, int GlobalBatch, long Step, long Steps, TimeSpan? Left)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"configuration {Index}/{Count}: {Workers} worker{(Workers == 1 ? "" : "s")}, batch {GlobalBatch}, step {Step}/{Steps}")
        + (Left is { } left ? $", about {Math.Ceiling(left.TotalSeconds):F0} s left in all" : "");
}

public static class ScaleExperiment
{
    public static async Task<ExperimentReport> RunAsync(ScaleOptions o, Action<ScaleProgress>? progress = null, CancellationToken cancellation = default)
    {
        var counts = o.Workers.Distinct().ToList();
        foreach (int n in counts) TrainingOptionsValidator.Validate(o.For(n));
        var data = TrainingData.Load(o.For(counts[0]));
        var setups = counts.Select(n => TrainingSetup.Create(o.For(n), data, maxSteps: o.Steps)).ToList();
        long[] planned = setups.Select(s => o.Steps ?? (long)s.Plan.StepsPerEpoch * s.Options.Epochs).ToArray();

        var clock = Stopwatch.StartNew();
        long doneBefore = 0;
        var runs = new List<RunResult>();
        for (int i = 0; i < setups.Count; i++)
        {
            int index = i;
            long before = doneBefore;
            void Report(long step)
            {
                long done = before + step, total = planned.Sum();
                TimeSpan? left = done > 0 ? clock.Elapsed / done * (total - done) : null;
                progress?.Invoke(new ScaleProgress(index + 1, setups.Count, counts[index], setups[index].Options.BatchSize, step, planned[index], left));
            }
            Report(0);
            var run = await RunOneAsync(setups[i], o.TargetAccuracy, Report, cancellation);
            runs.Add(run);
            doneBefore += planned[i];
        }

        var t = o.Training;
        var settings = new List<KeyValuePair<string, string>>
        {
            new("mode", "local: every worker a thread of this process, parameter-server shards one per worker up to the cores"),
            new("workers", string.Join(",", counts)),
            new("scaling", o.Scaling == ScalingMode.Strong ? $"strong: global batch {o.Batch}" : $"weak: {o.Batch} samples per worker"),
            new("data set", t.Dataset + (t.Dataset is "fashion-mnist" or "mnist" or "csv" ? "" : $" ({t.SyntheticCount} synthetic samples)")),
            new("model", setups[0].Model.Spec.ToString()),
            new("parameters", setups[0].Model.Layout.Length.ToString("N0", CultureInfo.InvariantCulture)),
            new("length", o.Steps is { } s ? $"{s} steps" : $"{t.Epochs} epochs"),
            new("target accuracy", o.TargetAccuracy is { } a ? a.ToString(CultureInfo.InvariantCulture) : "none"),
            new("learning rate, seed", string.Create(CultureInfo.InvariantCulture, $"{t.LearningRate}, {t.Seed}")),
            new("machine", $"{Environment.ProcessorCount} cores, {Environment.OSVersion}"),
            new("date", DateTime.Now.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)),
        };
        var notes = new List<string>
        {
            "Throughput and the step split leave out each run's first fifth of steps (warm-up) and the pauses for evaluation between epochs.",
            "compute: the workers' mean compute time per step; waiting for stragglers: the slowest worker's less the mean; optimizer: the parameter server's averaging and update; communication: the rest of the step.",
            "Speedup is samples/s over the smallest worker count's; efficiency is speedup divided by the ratio of worker counts.",
        };
        return ExperimentReport.Create("scale", $"Local training of {setups[0].Model.Spec} on {t.Dataset} with {string.Join(", ", counts)} workers, {o.Scaling.ToString().ToLowerInvariant()} scaling",
            o.Scaling, settings, runs, notes);
    }

    /// <summary>Trains one configuration to its end and measures it.</summary>
    private static async Task<RunResult> RunOneAsync(TrainingSetup setup, double? target, Action<long> progress, CancellationToken cancellation)
    {
        var events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        await using var system = ActorSystem.Create("dpt-experiment");
        var coordinator = LocalTraining.Start(system, setup, system.ActorOf(ChannelListener.Props(events.Writer), "listener"));
        using var stop = cancellation.Register(() => coordinator.Tell(new CoordinatorProtocol.StopTraining("interrupted")));

        var steps = new List<StepCompleted>();
        var accuracy = new List<AccuracyPoint>();
        double? toTarget = null;
        await foreach (var e in events.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (e is StepsCompleted batch)
            {
                steps.AddRange(batch.Steps);
                progress(steps.Count);
            }
            else if (e is EpochCompleted { Report: { TestAccuracy: { } acc } report })
            {
                accuracy.Add(new AccuracyPoint(report.ElapsedSeconds, acc));
                if (target is { } t && acc >= t) toTarget ??= report.ElapsedSeconds;
            }
            else if (e is TrainingFinished) break;
            else if (e is TrainingFailed f) throw new InvalidOperationException(f.Reason);
        }
        if (cancellation.IsCancellationRequested) throw new OperationCanceledException($"experiment interrupted at {setup.Options.Workers} workers, step {steps.Count}");
        if (steps.Count < 2) throw new InvalidOperationException($"{setup.Options.Workers} workers: {steps.Count} step(s) is too few to measure; give more --steps");
        return Measure(setup, steps, accuracy, toTarget);
    }

    /// <summary>Throughput over consecutive steps of the same epoch after the warm-up, and the mean step split.</summary>
    internal static RunResult Measure(TrainingSetup setup, IReadOnlyList<StepCompleted> steps, IReadOnlyList<AccuracyPoint> accuracy, double? toTarget)
    {
        int warmup = Math.Max(1, steps.Count / 5);
        var measured = steps.Skip(warmup).ToList();
        double seconds = 0;
        long samples = 0;
        for (int i = warmup; i < steps.Count; i++)
            if (steps[i].Epoch == steps[i - 1].Epoch)
            {
                seconds += Stopwatch.GetElapsedTime(steps[i - 1].Timestamp, steps[i].Timestamp).TotalSeconds;
                samples += steps[i].Metrics.Count;
            }
        double Mean(Func<StepTimes, double> part) => measured.Average(s => part(s.Times)) * 1e3;
        var split = new StepSplit(Mean(x => x.MeanComputeSeconds), Mean(x => x.CommunicationSeconds), Mean(x => x.StragglerSeconds), Mean(x => x.ApplySeconds));
        return new RunResult("local", setup.Options.Workers, setup.Options.BatchSize, seconds > 0 ? samples / seconds : 0, split, measured.Count, seconds,
            toTarget, accuracy.Count > 0 ? accuracy[^1].Accuracy : null, accuracy);
    }
}
