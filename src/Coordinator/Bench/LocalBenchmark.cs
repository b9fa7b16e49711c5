// `dpt bench`: the reference workload (MLP 784-256-128-10, ReLU, softmax cross-entropy, SGD with
// momentum 0.9, lr 0.05) on synthetic data of Fashion-MNIST's shapes, through the real local training
// path (actors, shards, parameter server). Throughput is measured over several windows after a warm-up
// and reported as the median window, with the median per-step time split.
using System.Diagnostics;
using System.Threading.Channels;
using Dpt.Actors;
using Dpt.Coordinator.Local;
using Dpt.Coordinator.Timeline;
using Dpt.Coordinator.Training;
using Dpt.Numerics;
using Dpt.Training;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Bench;

/// <param name="Cluster">Run the workers as dpt-worker processes joined over loopback (<see cref="ClusterBenchmark"/>)
/// instead of as actors in this process.</param>
public sealed record BenchOptions(int Workers, int Batch = 128, int WarmupSteps = 100, int StepsPerWindow = 200, int Windows = 5,
    ulong Seed = 1, int Samples = 60_000, bool Cluster = false, int? ParameterServerShards = null, long? SharedMemoryBytes = null,
    bool PinWorkers = false);

/// <summary>Medians over the measured steps; times in seconds.</summary>
public sealed record BenchResult(string Workload, int Workers, int Batch, double SamplesPerSecond, double Gflops, double Seconds,
    int Steps, double StepSeconds, double ComputeSeconds, double CommunicationSeconds, double StragglerSeconds, double OptimizerSeconds,
    IReadOnlyList<double> WindowSamplesPerSecond, string GemmPath)
{
    /// <summary>"local" (worker actors in this process) or "cluster" (worker processes over loopback).</summary>
    public string Mode { get; init; } = "local";

    /// <summary>Cluster mode: the float32 tensor bytes each worker pushes (gradients) and receives (parameters) per
    /// step, each way, not counting headers and framing; 0 in local mode, where nothing is copied.</summary>
    public long TensorBytesPerWorkerEachWay { get; init; }

    /// <summary>Cluster mode: the CPU the coordinator and worker processes used per measured step; null in local mode,
    /// or where a process could not be read.</summary>
    public CpuPerStep? Cpu { get; init; }
}

/// <summary>The results of one worker count over the rounds of a benchmark.</summary>
public sealed class BenchSeries(int workers)
{
    private readonly List<BenchResult> _results = new();
    private readonly List<double> _ceilings = new();
    private readonly List<double> _concurrentCeilings = new();

    public int Workers { get; } = workers;
    public IReadOnlyList<BenchResult> Results => _results;

    /// <param name="concurrentCeiling">The <see cref="LocalBenchmark.ConcurrentComputeCeiling"/> of this count, measured just before.</param>
    public void Add(BenchResult result, double ceiling, double concurrentCeiling)
    {
        _results.Add(result);
        _ceilings.Add(ceiling);
        _concurrentCeilings.Add(concurrentCeiling);
    }

    /// <summary>Median over every window of every round.</summary>
    public double SamplesPerSecond => LocalBenchmark.Median(_results.SelectMany(r => r.WindowSamplesPerSecond));

    /// <summary>Median of the compute ceilings measured before this count's runs.</summary>
    public double ComputeCeiling => LocalBenchmark.Median(_ceilings);

    /// <summary>Median of the per-round ratios of throughput to ceiling, divided by the worker count: 1 would be
    /// every worker as fast as one thread computing alone, with no synchronisation.</summary>
    public double Efficiency => LocalBenchmark.Median(_results.Select((r, i) => r.SamplesPerSecond / _ceilings[i] / Workers));

    /// <summary>Median of the concurrent compute ceilings: this count of threads computing its shards at once, unsynchronised.</summary>
    public double ConcurrentComputeCeiling => LocalBenchmark.Median(_concurrentCeilings);

    /// <summary>Median of the per-round ratios of throughput to the concurrent ceiling: 1 would be training that loses
    /// nothing to synchronisation, communication or the optimizer beyond what the cores lose to each other.</summary>
    public double ConcurrentEfficiency => LocalBenchmark.Median(_results.Select((r, i) => r.SamplesPerSecond / _concurrentCeilings[i]));

    public double Median(Func<BenchResult, double> measure) => LocalBenchmark.Median(_results.Select(measure));

    /// <summary>The median of a measure that some results lack (null); null if every result lacks it.</summary>
    public double? Median(Func<BenchResult, double?> measure)
    {
        var known = _results.Select(measure).OfType<double>().ToList();
        return known.Count == 0 ? null : LocalBenchmark.Median(known);
    }

    /// <summary>
    /// Median over rounds of this count's throughput divided by <paramref name="baseline"/>'s in the same round: runs
    /// seconds apart see the same machine, so pairing them cancels most of its drift.
    /// </summary>
    public double SpeedupOver(BenchSeries baseline) => LocalBenchmark.Median(RoundSpeedupsOver(baseline));

    /// <summary>Each round's throughput divided by <paramref name="baseline"/>'s in the same round, in round order: how
    /// far the pairs spread says how far one median can be trusted on a machine whose speed drifts.</summary>
    public IReadOnlyList<double> RoundSpeedupsOver(BenchSeries baseline) =>
        _results.Select((r, i) => r.SamplesPerSecond / baseline._results[i].SamplesPerSecond).ToList();
}

public static class LocalBenchmark
{
    public const string Workload = "mlp-784-256-128-10 relu softmax-ce momentum(0.9) lr 0.05";

    public static TrainingOptions ReferenceOptions(BenchOptions b) => new()
    {
        Dataset = "random",
        SyntheticCount = b.Samples,
        Hidden = [256, 128],
        BatchSize = b.Batch,
        Workers = b.Workers,
        Seed = b.Seed,
        LearningRate = 0.05f,
        Epochs = 100_000,
        ParameterServerShards = b.ParameterServerShards,
    };

    /// <param name="timeline">Records the run's step timeline (--timeline); null records none.</param>
    public static async Task<BenchResult> RunAsync(BenchOptions b, Action<string>? progress = null, CancellationToken cancellation = default,
        RunTimeline? timeline = null)
    {
        var options = ReferenceOptions(b);
        TrainingOptionsValidator.Validate(options);
        var data = TrainingData.Load(options);
        int total = b.WarmupSteps + b.StepsPerWindow * b.Windows;
        var setup = TrainingSetup.Create(options, data, maxSteps: total, evaluate: false);

        var events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        await using var system = ActorSystem.Create("dpt-bench", LocalTraining.SystemSettings(options.Workers));
        var coordinator = LocalTraining.Start(system, setup, system.ActorOf(ChannelListener.Props(events.Writer), "listener"), timeline);
        using var stop = cancellation.Register(() => coordinator.Tell(new CoordinatorProtocol.StopTraining("interrupted")));
        var steps = await CollectStepsAsync(events.Reader, total, progress);
        return Summarize(b, setup, steps);
    }

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Reads the coordinator's events until training ends: the applied steps, in order. Throws if training failed, and
    /// <see cref="OperationCanceledException"/> if it ended before <paramref name="total"/> steps (interrupted).
    /// </summary>
    /// <param name="counted">Told the number of steps read so far after each batch of them.</param>
    internal static async Task<List<StepCompleted>> CollectStepsAsync(ChannelReader<object> events, int total, Action<string>? progress,
        Func<object, Task>? other = null, Action<int>? counted = null)
    {
        var steps = new List<StepCompleted>(total);
        long reported = 0;
        await foreach (var e in events.ReadAllAsync(CancellationToken.None))
        {
            if (e is StepsCompleted batch)
            {
                steps.AddRange(batch.Steps);
                counted?.Invoke(steps.Count);
                // Formatted at most every 100 ms and at the end: this process is the one being measured.
                long now = Stopwatch.GetTimestamp();
                if (progress is not null && (steps.Count >= total || Stopwatch.GetElapsedTime(reported, now) >= ProgressInterval))
                {
                    reported = now;
                    progress($"{steps.Count}/{total} steps");
                }
            }
            else if (e is TrainingFinished) break;
            else if (e is TrainingFailed f) throw new InvalidOperationException(f.Reason);
            else if (other is not null) await other(e);
        }
        if (steps.Count < total) throw new OperationCanceledException($"benchmark interrupted after {steps.Count} of {total} steps");
        return steps;
    }

    /// <summary>The median window's throughput and the median step's split, over the steps after the warm-up.</summary>
    internal static BenchResult Summarize(BenchOptions b, TrainingSetup setup, List<StepCompleted> steps)
    {
        var windows = new List<double>();
        for (int w = 0; w < b.Windows; w++)
        {
            int first = b.WarmupSteps + w * b.StepsPerWindow - 1; // the step before the window: its end is the window's start
            int last = first + b.StepsPerWindow;
            long samples = 0;
            for (int i = first + 1; i <= last; i++) samples += steps[i].Metrics.Count;
            double seconds = Stopwatch.GetElapsedTime(steps[first].Timestamp, steps[last].Timestamp).TotalSeconds;
            windows.Add(samples / seconds);
        }
        var measured = steps.Skip(b.WarmupSteps).ToList();
        double measuredSeconds = Stopwatch.GetElapsedTime(steps[b.WarmupSteps - 1].Timestamp, steps[^1].Timestamp).TotalSeconds;
        double rate = Median(windows);
        double flops = setup.Model.Spec.TrainingFlopsPerSample();
        return new BenchResult(Workload, b.Workers, b.Batch, rate, rate * flops / 1e9, measuredSeconds, measured.Count,
            Median(measured.Select(s => s.Times.StepSeconds)), Median(measured.Select(s => s.Times.SlowestComputeSeconds)),
            Median(measured.Select(s => s.Times.CommunicationSeconds)), Median(measured.Select(s => s.Times.StragglerSeconds)),
            Median(measured.Select(s => s.Times.ApplySeconds)), windows, Gemm.Best.ToString());
    }

    /// <summary>
    /// The same forward and backward pass on one thread, without actors, a parameter server or an optimizer:
    /// the most one worker could do on this machine right now (samples/s, median step). Measured next to each
    /// run, because this machine's speed drifts (up to 1.8x over minutes on a shared VM), so a throughput is
    /// best read against the ceiling of the same moment.
    /// </summary>
    public static double ComputeCeiling(BenchOptions b, int steps = 60)
    {
        var options = ReferenceOptions(b);
        return b.Batch / MedianStepSeconds(options.ModelFor(784, 10), options, b.Seed, b.Batch, steps, start: null);
    }

    /// <summary>
    /// <paramref name="threads"/> threads at once, each computing its own shard of the global batch (split as
    /// evenly as the trainer splits it) on its own copy of the model, with nothing shared and no synchronisation:
    /// the sum of their samples/s is what the cores can do together right now. Next to the one-thread ceiling it
    /// shows how much of a worker count's shortfall the machine itself causes (cores slowing each other, a host
    /// that does not give both vCPUs at once) and how much the trainer's synchronisation and parameter sharing do.
    /// </summary>
    public static double ConcurrentComputeCeiling(BenchOptions b, int threads, int steps = 100)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (threads > b.Batch) throw new ArgumentOutOfRangeException(nameof(threads), threads, $"more threads than the batch's {b.Batch} samples");
        var options = ReferenceOptions(b);
        var spec = options.ModelFor(784, 10);
        Span<double> equal = stackalloc double[threads];
        equal.Fill(1);
        var shards = new int[threads];
        ShardPlanner.Split(b.Batch, equal, shards);
        var rates = new double[threads];
        var failures = new Exception?[threads];
        // Every thread builds and warms its model first, so that the measured steps run at the same time.
        using var start = new Barrier(threads);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() =>
            {
                try { rates[id] = shards[id] / MedianStepSeconds(spec, options, b.Seed + (ulong)id, shards[id], steps, start); }
#pragma warning disable CA1031 // rethrown on the calling thread below
                catch (Exception e) { failures[id] = e; }
#pragma warning restore CA1031
            }) { IsBackground = true, Name = $"dpt-ceiling-{id + 1}" };
            workers[t].Start();
        }
        foreach (var w in workers) w.Join();
        if (failures.FirstOrDefault(f => f is not null) is { } failure) throw new InvalidOperationException("the concurrent compute ceiling failed", failure);
        return rates.Sum();
    }

    // One step of a ceiling: the batch in the trainer's chunks (ShardComputer.ChunkFor), so that a ceiling and the
    // trainer run the kernels at the same sizes.
    private static double MedianStepSeconds(Dpt.Model.MlpSpec spec, TrainingOptions options, ulong seed, int batch, int steps, Barrier? start)
    {
        var model = new Dpt.Model.Mlp(spec);
        var parameters = Dpt.Model.Initializer.Create(model.Layout, options.InitFor(), seed);
        var data = Dpt.Data.SyntheticData.Random(batch, 784, 10, seed);
        int chunk = Dpt.Worker.ShardComputer.ChunkFor(batch);
        var workspace = new Dpt.Model.MlpWorkspace(spec, chunk);
        var gradient = new float[model.Layout.Length];
        void Step()
        {
            for (int first = 0, n; first < batch; first += n)
            {
                n = Dpt.Worker.ShardComputer.NextChunk(batch - first, chunk);
                model.ComputeGradient(parameters, data.Features.AsSpan(first * 784, n * 784), Dpt.Model.BatchTargets.FromLabels(data.Labels.AsSpan(first, n)),
                    n, workspace, gradient, accumulate: first > 0);
            }
        }
        try
        {
            for (int i = 0; i < 20; i++) Step();
        }
        finally
        {
            start?.SignalAndWait(); // even after a failure, so that the other threads are not left waiting
        }
        var times = new List<double>(steps);
        for (int i = 0; i < steps; i++)
        {
            long began = Stopwatch.GetTimestamp();
            Step();
            times.Add(Stopwatch.GetElapsedTime(began).TotalSeconds);
        }
        return Median(times);
    }

    /// <summary>
    /// Runs every worker count in <paramref name="workers"/> once per round, alternating, so that a drift of the
    /// machine's speed affects every count alike; each round starts with a <see cref="ComputeCeiling"/>.
    /// </summary>
    /// <param name="timelines">Records a step timeline of every run, from the end of its warm-up (--timeline); null records none.</param>
    public static async Task<IReadOnlyList<BenchSeries>> RunRoundsAsync(BenchOptions b, IReadOnlyList<int> workers, int rounds,
        Action<string>? progress, CancellationToken cancellation, TimelineRecording? timelines = null)
    {
        var series = workers.Select(w => new BenchSeries(w)).ToList();
        for (int round = 1; round <= rounds; round++)
        {
            progress?.Invoke($"round {round}/{rounds}: compute ceiling");
            double ceiling = ComputeCeiling(b);
            foreach (var s in series)
            {
                string label = $"round {round}/{rounds}, {s.Workers} worker{(s.Workers == 1 ? "" : "s")}";
                if (s.Workers > 1) progress?.Invoke($"{label}: compute ceiling, {s.Workers} threads at once");
                double concurrent = s.Workers == 1 ? ceiling : ConcurrentComputeCeiling(b, s.Workers);
                var one = b with { Workers = s.Workers };
                Action<string>? say = progress is null ? null : p => progress($"{label}: {p}");
                var timeline = timelines?.StartRun($"dpt bench{(b.Cluster ? " --cluster" : "")}, {label}", b.WarmupSteps);
                var result = b.Cluster ? await ClusterBenchmark.RunAsync(one, say, cancellation, timeline) : await RunAsync(one, say, cancellation, timeline);
                s.Add(result, ceiling, concurrent);
            }
        }
        return series;
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
