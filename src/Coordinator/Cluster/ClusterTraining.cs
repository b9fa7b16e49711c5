// Cluster mode on the coordinator's node: the same coordinator and parameter-server actors as local mode
// (and any local workers), made reachable over the network. The node listens for workers, answers their
// request for the run's configuration and data (the "trainer" actor), admits them to the cluster when
// their protocol, model and data match, and registers each worker node's actors with the coordinator.
using Dpt.Actors;
using Dpt.Coordinator.Local;
using Dpt.Coordinator.Timeline;
using Dpt.Coordinator.Training;
using Dpt.Hosting;
using Dpt.Remoting;
using Dpt.Training;
using Dpt.Training.Join;
using Microsoft.Extensions.Logging;

namespace Dpt.Coordinator.Cluster;

/// <summary>The running cluster side of a coordinator node; dispose it after training to close connections.</summary>
public sealed class ClusterTraining : IAsyncDisposable
{
    private readonly IActorRef _membership;
    private string? _ended;

    private ClusterTraining(TrainingActors actors, RemoteTransport transport, Dpt.Cluster.Cluster cluster, JoinProtocol.TrainingConfig config, IActorRef membership)
    {
        (Actors, Transport, Cluster, Config, _membership) = (actors, transport, cluster, config, membership);
    }

    /// <summary>How long the coordinator node's pinned actors (coordinator, parameter-server shards) spin when idle before
    /// they block. A shard that took one worker's gradients waits a few hundred µs for the next, and a blocked thread
    /// takes 20-75 µs to wake on these VMs. Six alternations of `dpt bench --cluster --workers 2 --batch 512` on the
    /// 2-core VM (4 Dec): median 123,420 samples/s with 150 µs against 116,124 with none, the coordinator's CPU per
    /// step unchanged (0.70-0.87 ms against 0.75-0.98): its spin yields the core to the workers every ~10 µs.</summary>
    public static readonly TimeSpan CoordinatorSpinDuration = TimeSpan.FromMicroseconds(150);

    /// <summary>The actor-system settings of a coordinator node: <paramref name="settings"/> with the pinned actors' idle spin.</summary>
    public static ActorSystemSettings SystemSettings(ActorSystemSettings? settings = null) =>
        (settings ?? ActorSystemSettings.Default) with { PinnedSpinDuration = CoordinatorSpinDuration };

    public TrainingActors Actors { get; }

    public RemoteTransport Transport { get; }

    public Dpt.Cluster.Cluster Cluster { get; }

    /// <summary>What a joining worker receives: options, parameter-server shards, model, data manifest.</summary>
    public JoinProtocol.TrainingConfig Config { get; }

    /// <summary>The address workers join: this node's canonical address.</summary>
    public Address Address => Transport.LocalAddress;

    /// <summary>Listens, starts the training actors, the trainer endpoint and the cluster seed.</summary>
    /// <param name="timeline">Records the run's step timeline (--timeline), joined workers' spans included; null records none.</param>
    public static async Task<ClusterTraining> StartAsync(ActorSystem system, TrainingSetup setup, IActorRef listener, NodeOptions node,
        CancellationToken cancellation, RunTimeline? timeline = null)
    {
        var transport = await RemoteTransport.StartAsync(system, node.ToRemoteSettings(), Serializers.CreateRegistry(), cancellation);
        try
        {
            var actors = LocalTraining.StartActors(system, setup, listener, timeline);
            var source = DatasetSource.ForOptions(setup.Options);
            var config = new JoinProtocol.TrainingConfig(setup.Options, actors.ParameterServers, setup.Model.Spec.ToString(), source.Manifest,
                DatasetShape.Of(setup.Data));
            system.ActorOf(DatasetServer.Props(config, source), JoinProtocol.TrainerActorName);
            var admit = JoinMetadata.Validator(JoinIdentity.Of(config));
            var cluster = Dpt.Cluster.Cluster.StartSeed(system, node.Cluster, join => admit(join.Metadata));
            var membership = system.ActorOf(WorkerMembership.Props(cluster, actors.Coordinator), "worker-membership");
            system.Settings.LoggerFactory.CreateLogger("dpt.cluster")
                .LogInformation("coordinator listening at {Address}; workers join with: dpt-worker --join {Host}:{Port}", transport.LocalAddress,
                    transport.LocalAddress.Host, transport.LocalAddress.Port);
            return new ClusterTraining(actors, transport, cluster, config, membership);
        }
        catch
        {
            await transport.DisposeAsync();
            throw;
        }
    }

    /// <summary>Tells every worker node that the run is over (so they leave and exit), and gives the
    /// messages a moment to go out before the connections close.</summary>
    public async Task EndRunAsync(string reason)
    {
        if (_ended is not null) return;
        _ended = reason;
        try
        {
            var sent = await _membership.Ask<WorkerMembership.RunEndedSent>(new WorkerMembership.EndRun(reason), TimeSpan.FromSeconds(5));
            if (sent.Nodes > 0) await Task.Delay(TimeSpan.FromMilliseconds(300));
        }
        catch (AskTimeoutException)
        {
            // The workers will notice the coordinator is gone; they wait for it to come back, then give up.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await EndRunAsync("the coordinator stopped");
        await Cluster.LeaveAsync();
        await Transport.DisposeAsync();
    }
}
