// A worker node's life: reach the coordinator, receive the run's configuration, make the data ready
// (own copy checked by hash, or received and cached), start the worker actors with refs to the remote
// parameter-server shards, join the cluster, and train until stopped (leave gracefully) or removed (join
// again as a new incarnation, e.g. after SIGSTOP/SIGCONT made the coordinator down this node).
using System.Globalization;
using Dpt.Actors;
using Dpt.Hosting;
using Dpt.Model;
using Dpt.Remoting;
using Dpt.Training.Join;
using static Dpt.Training.Join.JoinProtocol;

namespace Dpt.Worker.Cluster;

public static class WorkerNode
{
    /// <summary>How a run of the node ended.</summary>
    public enum Outcome { Stopped, RunEnded, Refused, Removed, Unreachable }

    /// <summary>Runs the node until <paramref name="stop"/> (graceful leave: returns Stopped) or until it cannot
    /// take part (Refused, Unreachable, or Removed without rejoin). <paramref name="say"/> gets one line per event.</summary>
    public static async Task<(Outcome Outcome, string Reason)> RunAsync(WorkerNodeOptions options, Action<string> say, CancellationToken stop)
    {
        while (true)
        {
            var (outcome, reason) = await RunIncarnationAsync(options, say, stop);
            if (outcome != Outcome.Removed || !options.Rejoin || stop.IsCancellationRequested) return (outcome, reason);
            say($"removed from the cluster ({reason}); joining again as a new member");
        }
    }

    private static async Task<(Outcome, string)> RunIncarnationAsync(WorkerNodeOptions options, Action<string> say, CancellationToken stop)
    {
        // The worker actors are the process's only pinned actors: the spin is theirs.
        await using var system = ActorSystem.Create("dpt", new ActorSystemSettings { LoggerFactory = NodeLogging.Create(options.Node.LogLevel), PinnedSpinDuration = options.IdleSpin });
        await using var transport = await RemoteTransport.StartAsync(system, options.Node.ToRemoteSettings(), Serializers.CreateRegistry(), stop);
        var coordinator = Address.Remote(system.Name, options.Join.Host, options.Join.Port);
        var trainer = system.Provider.ResolveActorRef(ActorPath.RootOf(coordinator) / "user" / TrainerActorName);
        var runEnded = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var refusedConnection = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(WorkerNodeActor.Props(coordinator, runEnded, refusedConnection), WorkerNodeActorName);

        var reply = await RequestConfigAsync(trainer, refusedConnection.Task, options, say, stop);
        if (reply is ConfigRefused refused) return (Outcome.Refused, refused.Reason);
        if (reply is not TrainingConfig config) return (Outcome.Unreachable, $"no answer from the coordinator at {options.Join} within {options.ConnectTimeout.TotalSeconds:0} s");
        say($"coordinator at {options.Join} trains {config.Model} on {config.Options.Dataset}");

        var fetcher = new DatasetFetcher(options.Data, trainer);
        long lastShown = -1;
        var prepared = await fetcher.PrepareAsync(config.Dataset, p =>
        {
            long mib = p.BytesDone >> 20;
            if (p.BytesDone == p.BytesTotal || mib >= lastShown + 16) { lastShown = mib; say($"data: {p.BytesDone >> 20} of {p.BytesTotal >> 20} MiB ({p.File})"); }
        }, stop);
        if (prepared.Directory is not null)
            say(prepared.BytesFetched > 0
                ? string.Create(CultureInfo.InvariantCulture, $"data: received {prepared.FetchedFiles.Count} of {config.Dataset.Files.Count} files ({prepared.BytesFetched:N0} bytes) from the coordinator into {prepared.Directory}")
                : $"data: all {config.Dataset.Files.Count} files found intact in {prepared.Directory}; nothing to receive");
        var data = JoinedData.Load(config, prepared.Directory);
        var model = new Mlp(config.Options.ModelFor(data.Train));

        var workers = new List<IActorRef>();
        foreach (var name in WorkerNodes.ActorNames(options.Workers))
        {
            // A whole shard at once, not ShardComputer.ChunkFor's chunks: a shard's pushes overlap only its last chunk's
            // backward, and over the network that window matters more than the chunk's speed (a 1-process bench at batch
            // 512 in chunks of 128: compute 0.3-0.8 ms less, communication 0.5-1 ms more, the step no faster).
            var computer = new ShardComputer(model, data.Train, data.Test, data.Validation, config.Options.Seed, chunk: config.Options.BatchSize);
            workers.Add(system.ActorOf(WorkerActor.Props($"{transport.LocalAddress.Host}:{transport.LocalAddress.Port}/{name}", computer, config.Shards,
                pullAgainAfter: WorkerActor.ClusterPullAgainAfter), name));
        }

        var identity = new JoinIdentity(CurrentVersion, model.Spec.ToString(), config.Dataset.Sha256);
        var metadata = new Dictionary<string, string>(JoinMetadata.For(identity)) { [WorkerNodes.WorkersKey] = options.Workers.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        // The coordinator's own name for itself (its shards' address), which may differ from the --join address.
        var seed = config.Shards[0].Server.Path.Address;
        var cluster = Dpt.Cluster.Cluster.StartMember(system, seed, options.Node.Cluster, new HashSet<string> { WorkerNodes.Role }, metadata);

        var stopped = Task.Delay(Timeout.Infinite, stop);
        var up = await Task.WhenAny(cluster.WhenUp, cluster.WhenRemoved, runEnded.Task, stopped).ConfigureAwait(false);
        if (up == cluster.WhenUp) say($"joined the cluster as {transport.LocalAddress} with {options.Workers} worker{(options.Workers == 1 ? "" : "s")}; training");
        var end = up == cluster.WhenUp ? await Task.WhenAny(cluster.WhenRemoved, runEnded.Task, stopped).ConfigureAwait(false) : up;

        if (end == cluster.WhenRemoved)
        {
            var removed = await cluster.WhenRemoved;
            return removed.Cause switch
            {
                Dpt.Cluster.SelfRemovedCause.JoinRefused => (Outcome.Refused, removed.Reason),
                Dpt.Cluster.SelfRemovedCause.JoinTimedOut => (Outcome.Unreachable, removed.Reason),
                _ => (Outcome.Removed, removed.Reason),
            };
        }
        if (end == runEnded.Task)
        {
            say($"the run is over ({runEnded.Task.Result}); leaving the cluster");
            await ((Task)cluster.LeaveAsync()).WaitAsync(options.Node.Cluster.LeaveTimeout, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return (Outcome.RunEnded, runEnded.Task.Result);
        }
        // Stopped: stop computing first, so that the coordinator hands this node's shards of the current step
        // to the others at once, then leave, so that it does not wait for the failure detector.
        say("leaving the cluster");
        foreach (var worker in workers) system.Stop(worker);
        var left = await cluster.LeaveAsync().WaitAsync(options.Node.Cluster.LeaveTimeout + TimeSpan.FromSeconds(1), CancellationToken.None)
            .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.Reason : "the coordinator did not acknowledge", TaskScheduler.Default);
        return (Outcome.Stopped, left);
    }

    /// <summary>Asks the trainer for the configuration until it answers, the coordinator's node refuses this
    /// node's connection (<paramref name="refusedConnection"/>: answered as <see cref="ConfigRefused"/>, since
    /// retrying cannot mend a wrong secret), or <see cref="WorkerNodeOptions.ConnectTimeout"/> passes.</summary>
    private static async Task<object?> RequestConfigAsync(IActorRef trainer, Task<string> refusedConnection, WorkerNodeOptions options,
        Action<string> say, CancellationToken stop)
    {
        var deadline = DateTime.UtcNow + options.ConnectTimeout;
        bool told = false;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var ask = trainer.Ask(new RequestTrainingConfig(CurrentVersion), TimeSpan.FromSeconds(3), stop);
                if (await Task.WhenAny(ask, refusedConnection).ConfigureAwait(false) == refusedConnection)
                    return new ConfigRefused($"the connection was refused: {await refusedConnection}");
                return await ask;
            }
            catch (AskTimeoutException)
            {
                if (!told) say($"waiting for the coordinator at {options.Join} ...");
                told = true;
                await Task.Delay(TimeSpan.FromSeconds(1), stop);
            }
        }
        return null;
    }
}
