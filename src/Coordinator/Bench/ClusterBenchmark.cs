// `dpt bench --cluster`: the reference workload through the real cluster path. This process runs the
// coordinator and the parameter server listening on loopback; N dpt-worker processes on this machine join
// it (LocalCluster), compute, and exit when the run ends. It measures what local mode measures, so the two
// compare; it does not spread workers over machines.
using Dpt.Coordinator.Cluster;
using Dpt.Coordinator.Timeline;
using Dpt.Coordinator.Training;
using Dpt.Hosting;
using Dpt.Training;

namespace Dpt.Coordinator.Bench;

public static class ClusterBenchmark
{
    /// <summary>One run with <see cref="BenchOptions.Workers"/> fresh worker processes; they are gone when it returns or throws.</summary>
    /// <param name="timeline">Records the run's step timeline (--timeline), the worker processes' spans included; null records none.</param>
    public static async Task<BenchResult> RunAsync(BenchOptions b, Action<string>? progress = null, CancellationToken cancellation = default,
        RunTimeline? timeline = null)
    {
        var options = LocalBenchmark.ReferenceOptions(b) with { Workers = 0, MinWorkers = b.Workers };
        TrainingOptionsValidator.Validate(options);
        var data = TrainingData.Load(options);
        int total = b.WarmupSteps + b.StepsPerWindow * b.Windows;
        var setup = TrainingSetup.Create(options, data, maxSteps: total, evaluate: false);
        var steps = await LocalCluster.RunAsync(setup, b.Workers, new HostPort("127.0.0.1", 0), TimeSpan.Zero,
            (_, join, secret) => new WorkerLaunch(join, "127.0.0.1:0", secret, SharedMemoryBytes: b.SharedMemoryBytes),
            (events, check) => LocalBenchmark.CollectStepsAsync(events, total, progress, e =>
            {
                check(e);
                return Task.CompletedTask;
            }),
            "benchmark", progress, cancellation, timeline, b.SharedMemoryBytes);
        return LocalBenchmark.Summarize(b, setup, steps) with
        {
            Mode = "cluster",
            TensorBytesPerWorkerEachWay = setup.Model.Layout.Length * (long)sizeof(float),
        };
    }
}
