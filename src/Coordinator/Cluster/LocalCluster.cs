// A run through the cluster path on one machine, for `dpt bench --cluster` and `dpt experiment scale --mode
// cluster`: this process is the coordinator node (coordinator and parameter server, ClusterTraining), and fresh
// dpt-worker processes join it with a random secret, passed to them by environment variable. Both are gone when
// the run returns or throws. It does not spread workers over machines.
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Dpt.Actors;
using Dpt.Coordinator.Local;
using Dpt.Coordinator.Timeline;
using Dpt.Coordinator.Training;
using Dpt.Hosting;

namespace Dpt.Coordinator.Cluster;

public static class LocalCluster
{
    /// <summary>Trains <paramref name="setup"/> (whose options wait for the worker processes: MinWorkers) with
    /// <paramref name="workers"/> worker processes, and returns what <paramref name="collect"/> made of the run's events.</summary>
    /// <param name="listen">Where the coordinator listens: 127.0.0.1:0, or an address the workers' network namespaces reach.</param>
    /// <param name="sendDelay">Latency emulation (experiments only): how long the coordinator holds each message it sends.</param>
    /// <param name="launch">How to start worker k (from 1), given the coordinator's HOST:PORT and the secret.</param>
    /// <param name="collect">Reads the events to the run's end, handing each it does not know to the check it is given,
    /// which throws if a worker process exited early or an interrupted run did not end in time; it is also given the
    /// worker processes' ids.</param>
    /// <param name="run">The run as messages name it: "benchmark", "experiment".</param>
    /// <param name="timeline">Records the run's step timeline, the worker processes' spans included; null records none.</param>
    /// <param name="sharedMemoryBytes">The coordinator's shared-memory ring per connection (the workers' come with
    /// <paramref name="launch"/>); null for the default.</param>
    public static async Task<T> RunAsync<T>(TrainingSetup setup, int workers, HostPort listen, TimeSpan sendDelay,
        Func<int, string, string, WorkerLaunch> launch, Func<ChannelReader<object>, Action<object>, IReadOnlyList<int>, Task<T>> collect, string run,
        Action<string>? progress, CancellationToken cancellation, RunTimeline? timeline = null, long? sharedMemoryBytes = null)
    {
        // A secret as a user would put in a file: base64 text, which ClusterSecret.Load reads back as its UTF-8 bytes.
        string secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var node = new NodeOptions { Listen = listen, Secret = Encoding.UTF8.GetBytes(secret), SendDelay = sendDelay };
        if (sharedMemoryBytes is { } shared) node = node with { SharedMemoryBytes = shared };

        var events = Channel.CreateUnbounded<object>();
        await using var system = ActorSystem.Create("dpt", ClusterTraining.SystemSettings());
        var listener = system.ActorOf(ChannelListener.Props(events.Writer), "listener");
        WorkerProcesses? processes = null;
        bool ended = false;
        await using var cluster = await ClusterTraining.StartAsync(system, setup, listener, node, cancellation, timeline);
        try
        {
            using var stop = WorkerProcesses.StopOnCancel(cluster.Actors.Coordinator, events.Writer, cancellation);
            progress?.Invoke($"starting {workers} worker process{(workers == 1 ? "" : "es")}");
            string join = $"{cluster.Address.Host}:{cluster.Address.Port}";
            var started = processes = WorkerProcesses.Start(Enumerable.Range(1, workers).Select(k => launch(k, join, secret)), events.Writer);
            T result;
            try
            {
                result = await collect(events.Reader, e => started.Check(e, run, cancellation), started.ProcessIds);
            }
            catch (InvalidOperationException) when (cancellation.IsCancellationRequested)
            {
                throw new OperationCanceledException($"{run} interrupted while waiting for the worker processes");
            }
            await cluster.EndRunAsync($"{run} done");
            ended = !cancellation.IsCancellationRequested;
            return result;
        }
        finally
        {
            await cluster.EndRunAsync($"{run} stopped");
            if (processes is not null) await processes.StopAsync(aborted: !ended);
        }
    }
}
