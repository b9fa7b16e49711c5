// `dpt bench`: the reference workload (MLP 784-256-128-10, ReLU, softmax cross-entropy, SGD with
// momentum 0.9, lr 0.05) on synthetic data of Fashion-MNIST's shapes, through the real local training
// path (actors, shards, parameter server). Throughput is measured over several windows after a warm-up
// and reported as the median window, with the median per-step time split.
using System.Diagnostics;
using System.Threading.Channels;
using Dpt.Actors;
using Dpt.Coordinator.Local;
using Dpt.Coordinator.Training;
using Dpt.Numerics;
using Dpt.Training;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Bench;

public sealed record BenchOptions(int Workers, int Batch = 128, int WarmupSteps = 100, int StepsPerWindow = 200, int Windows = 5,
    ulong Seed = 1, int Samples = 60_000);

/// <summary>Medians over the measured steps; times in seconds.</summary>
public sealed record BenchResult(string Workload, int Workers, int Batch, double SamplesPerSecond, double Gflops, double Seconds,
    int Steps, double StepSeconds, double ComputeSeconds, double CommunicationSeconds, double StragglerSeconds, double OptimizerSeconds,
    IReadOnlyList<double> WindowSamplesPerSecond, string GemmPath);

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
    };

    public static async Task<BenchResult> RunAsync(BenchOptions b, Action<string>? progress = null, CancellationToken cancellation = default)
    {
        var options = ReferenceOptions(b);
        TrainingOptionsValidator.Validate(options);
        var data = TrainingData.Load(options);
        int total = b.WarmupSteps + b.StepsPerWindow * b.Windows;
        var setup = TrainingSetup.Create(options, data, maxSteps: total, evaluate: false);

        var events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        await using var system = ActorSystem.Create("dpt-bench");
        var coordinator = LocalTraining.Start(system, setup, system.ActorOf(ChannelListener.Props(events.Writer), "listener"));
        using var stop = cancellation.Register(() => coordinator.Tell(new CoordinatorProtocol.StopTraining("interrupted")));

        var steps = new List<StepCompleted>(total);
        await foreach (var e in events.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (e is StepsCompleted batch)
            {
                steps.AddRange(batch.Steps);
                progress?.Invoke($"{steps.Count}/{total} steps");
            }
            else if (e is TrainingFinished) break;
            else if (e is TrainingFailed f) throw new InvalidOperationException(f.Reason);
        }
        if (steps.Count < total) throw new OperationCanceledException($"benchmark interrupted after {steps.Count} of {total} steps");

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

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
