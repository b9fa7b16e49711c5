// `dpt bench --cluster`: the reference workload through the real cluster path. This process runs the
// coordinator and the parameter server listening on loopback; N dpt-worker processes on this machine join
// it with a random secret (passed by environment variable), compute, and exit when the run ends. It measures
// what local mode measures, so the two compare; it does not spread workers over machines.
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Dpt.Actors;
using Dpt.Coordinator.Cluster;
using Dpt.Coordinator.Local;
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
        // A secret as a user would put in a file: base64 text, which ClusterSecret.Load reads back as its UTF-8 bytes.
        string secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var node = new NodeOptions { Listen = new HostPort("127.0.0.1", 0), Secret = Encoding.UTF8.GetBytes(secret) };

        var events = Channel.CreateUnbounded<object>();
        await using var system = ActorSystem.Create("dpt");
        var listener = system.ActorOf(ChannelListener.Props(events.Writer), "listener");
        WorkerProcesses? workers = null;
        await using var cluster = await ClusterTraining.StartAsync(system, setup, listener, node, cancellation, timeline);
        try
        {
            using var stop = WorkerProcesses.StopOnCancel(cluster.Actors.Coordinator, events.Writer, cancellation);
            progress?.Invoke($"starting {b.Workers} worker process{(b.Workers == 1 ? "" : "es")}");
            string join = $"{cluster.Address.Host}:{cluster.Address.Port}";
            workers = WorkerProcesses.Start(Enumerable.Range(0, b.Workers).Select(_ => new WorkerLaunch(join, "127.0.0.1:0", secret)), events.Writer);

            List<TrainingEvents.StepCompleted> steps;
            try
            {
                steps = await LocalBenchmark.CollectStepsAsync(events.Reader, total, progress, e =>
                {
                    WorkerProcesses.Check(e, "benchmark", cancellation);
                    return Task.CompletedTask;
                });
            }
            catch (InvalidOperationException) when (cancellation.IsCancellationRequested)
            {
                throw new OperationCanceledException("benchmark interrupted while waiting for the worker processes");
            }
            await cluster.EndRunAsync("benchmark done");
            return LocalBenchmark.Summarize(b, setup, steps) with
            {
                Mode = "cluster",
                TensorBytesPerWorkerEachWay = setup.Model.Layout.Length * (long)sizeof(float),
            };
        }
        finally
        {
            await cluster.EndRunAsync("benchmark stopped");
            if (workers is not null) await workers.StopAsync();
        }
    }
}
