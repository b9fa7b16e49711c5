// `dpt experiment scale` without the command line: the same training at each worker count, one after the
// other, measured from the coordinator's step events. Local mode runs every worker as a thread of this process
// through the real actors (coordinator, parameter-server shards, workers); cluster mode runs this process as the
// coordinator node and each worker as a dpt-worker process on this machine, over loopback or emulated links.
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Dpt.Actors;
using Dpt.Coordinator.Cluster;
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
    /// <summary>Where the workers run. Default local.</summary>
    public ExperimentMode Mode { get; init; } = ExperimentMode.Local;

    /// <summary>Cluster mode: the link to emulate between the coordinator and each worker process; null for loopback.</summary>
    public LinkEmulation? Link { get; init; }

    public int GlobalBatch(int workers) => Scaling == ScalingMode.Strong ? Batch : Batch * workers;

    /// <summary>A run's options: in cluster mode no worker in this process, and the first step waits for the worker processes.</summary>
    public TrainingOptions For(int workers) => Mode == ExperimentMode.Local
        ? Training with { Workers = workers, BatchSize = GlobalBatch(workers), StopAtAccuracy = TargetAccuracy }
        : Training with { Workers = 0, MinWorkers = workers, BatchSize = GlobalBatch(workers), StopAtAccuracy = TargetAccuracy };
}

/// <summary>Local: every worker a thread of this process. Cluster: every worker a dpt-worker process on this machine.</summary>
public enum ExperimentMode { Local, Cluster }

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
    /// <param name="notice">Cluster mode with a link: one line saying how the link is emulated, or why it fell back to loopback.</param>
    public static async Task<ExperimentReport> RunAsync(ScaleOptions o, Action<ScaleProgress>? progress = null, CancellationToken cancellation = default,
        Action<string>? notice = null)
    {
        var counts = o.Workers.Distinct().ToList();
        foreach (int n in counts) TrainingOptionsValidator.Validate(o.For(n));
        var data = TrainingData.Load(o.For(counts[0]));
        var setups = counts.Select(n => TrainingSetup.Create(o.For(n), data, maxSteps: o.Steps)).ToList();
        long[] planned = setups.Select(s => o.Steps ?? (long)s.Plan.StepsPerEpoch * s.Options.Epochs).ToArray();

        using var network = o.Mode == ExperimentMode.Cluster ? ExperimentNetwork.Create(o.Link, counts.Max(), notice) : null;
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
            var run = network is null
                ? await RunLocalAsync(setups[i], o.TargetAccuracy, Report, cancellation)
                : await RunClusterAsync(setups[i], counts[i], network, o.TargetAccuracy, Report, cancellation);
            runs.Add(run);
            doneBefore += planned[i];
        }

        var t = o.Training;
        var settings = new List<KeyValuePair<string, string>>
        {
            new("mode", network?.Mode ?? "local: every worker a thread of this process"),
            new("workers", string.Join(",", counts)),
            new("parameter-server shards", string.Join(",", setups.Select(s => s.CreateParameterServerStates(s.Options.ParameterServerShardsOrDefault).Count))),
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
        if (network is not null) settings.Insert(1, new("link", network.Description));
        var notes = new List<string>
        {
            "Throughput and the step split leave out each run's first fifth of steps (warm-up) and the pauses for evaluation between epochs.",
            "compute: the workers' mean compute time per step (as each worker timed it); waiting for stragglers: the slowest worker's less the mean; optimizer: the parameter server's averaging and update; communication: the rest of the step"
            + (network is null ? "." : " (serialization, the wire, queues and thread wake-ups, and any emulated delay)."),
            "Speedup is samples/s over the smallest worker count's; efficiency is speedup divided by the ratio of worker counts.",
        };
        if (network is not null)
            notes.Add("Each run starts fresh dpt-worker processes and measures from its first step, so their start, joining and data transfer are not counted.");
        string mode = network is null ? "Local training" : network.Link is null ? "Cluster training" : $"Cluster training over {network.Link}{(network.Namespaces is null ? " (loopback)" : "")}";
        return ExperimentReport.Create("scale", $"{mode} of {setups[0].Model.Spec} on {t.Dataset} with {string.Join(", ", counts)} workers, {o.Scaling.ToString().ToLowerInvariant()} scaling",
            o.Scaling, settings, runs, notes);
    }

    /// <summary>Trains one configuration in this process to its end and measures it.</summary>
    private static async Task<RunResult> RunLocalAsync(TrainingSetup setup, double? target, Action<long> progress, CancellationToken cancellation)
    {
        var events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        await using var system = ActorSystem.Create("dpt-experiment", LocalTraining.SystemSettings(setup.Options.Workers));
        var coordinator = LocalTraining.Start(system, setup, system.ActorOf(ChannelListener.Props(events.Writer), "listener"));
        using var stop = cancellation.Register(() => coordinator.Tell(new CoordinatorProtocol.StopTraining("interrupted")));
        return await CollectAsync(setup, "local", setup.Options.Workers, events.Reader, target, progress, cancellation);
    }

    /// <summary>Trains one configuration with <paramref name="workers"/> fresh worker processes to its end and measures it.</summary>
    private static Task<RunResult> RunClusterAsync(TrainingSetup setup, int workers, ExperimentNetwork network, double? target, Action<long> progress,
        CancellationToken cancellation) =>
        LocalCluster.RunAsync(setup, workers, network.CoordinatorListen, network.SendDelay, network.Launch,
            (events, check, _) => CollectAsync(setup, "cluster", workers, events, target, progress, cancellation, check),
            "experiment", progress: null, cancellation, sharedMemoryBytes: network.SharedMemoryBytes);

    /// <summary>Reads a run's events to its end: its steps, the test accuracy after each epoch and when it first reached
    /// <paramref name="target"/>; an event it does not know goes to <paramref name="other"/>.</summary>
    private static async Task<RunResult> CollectAsync(TrainingSetup setup, string design, int workers, ChannelReader<object> events, double? target,
        Action<long> progress, CancellationToken cancellation, Action<object>? other = null)
    {
        var steps = new List<StepCompleted>();
        var accuracy = new List<AccuracyPoint>();
        double? toTarget = null;
        await foreach (var e in events.ReadAllAsync(CancellationToken.None))
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
            else if (e is TrainingFailed f)
                throw new InvalidOperationException($"{workers} worker{(workers == 1 ? "" : "s")}: {f.Reason}"
                                                    + (f.DivergedAtStep is null ? "" : $"; give a smaller --lr (it is {setup.Options.LearningRate.ToString(CultureInfo.InvariantCulture)})"));
            else other?.Invoke(e);
        }
        if (cancellation.IsCancellationRequested) throw new OperationCanceledException($"experiment interrupted at {workers} workers, step {steps.Count}");
        if (steps.Count < 2) throw new InvalidOperationException($"{workers} workers: {steps.Count} step(s) is too few to measure; give more --steps");
        return Measure(design, workers, setup, steps, accuracy, toTarget);
    }

    /// <summary>Throughput over consecutive steps of the same epoch after the warm-up, and the mean step split.</summary>
    internal static RunResult Measure(string design, int workers, TrainingSetup setup, IReadOnlyList<StepCompleted> steps, IReadOnlyList<AccuracyPoint> accuracy,
        double? toTarget)
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
        return new RunResult(design, workers, setup.Options.BatchSize, seconds > 0 ? samples / seconds : 0, split, measured.Count, seconds,
            toTarget, accuracy.Count > 0 ? accuracy[^1].Accuracy : null, accuracy);
    }
}
