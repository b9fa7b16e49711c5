// Turns cluster membership into the coordinator's worker list: when a worker node is Up, each of its
// worker actors is registered with the coordinator (which watches it from then on). A worker node that
// is downed or leaves needs nothing here: the cluster layer terminates its address, and the coordinator's
// death watch hands the lost worker's shards to the others.
using System.Globalization;
using Dpt.Actors;
using Dpt.Cluster;
using Dpt.Hosting;
using Dpt.Training.Join;
using Microsoft.Extensions.Logging;
using static Dpt.Cluster.ClusterEvents;
using static Dpt.Coordinator.Training.CoordinatorProtocol;

namespace Dpt.Coordinator.Cluster;

public sealed class WorkerMembership : ReceiveActor
{
    private readonly Dpt.Cluster.Cluster _cluster;
    private readonly IActorRef _coordinator;
    private readonly HashSet<UniqueAddress> _registered = new();

    public WorkerMembership(Dpt.Cluster.Cluster cluster, IActorRef coordinator)
    {
        (_cluster, _coordinator) = (cluster, coordinator);
        Receive<CurrentClusterState>(s => { foreach (var m in s.Members) Register(m); });
        Receive<MemberUp>(up => Register(up.Member));
        Receive<MemberRemoved>(removed => _registered.Remove(removed.Member.UniqueAddress));
        Receive<EndRun>(EndRunOf);
        ReceiveAny(_ => { });
    }

    public static Props Props(Dpt.Cluster.Cluster cluster, IActorRef coordinator) =>
        Actors.Props.Create(() => new WorkerMembership(cluster, coordinator));

    protected override void PreStart() => _cluster.Subscribe(Self, typeof(MemberUp), typeof(MemberRemoved));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    /// <summary>The name a worker goes by in reports: its node's host:port and its name there.</summary>
    public static string WorkerName(Address node, string actor) => $"{node.Host}:{node.Port}/{actor}";

    /// <summary>Sent by the coordinator's node when the run is over; answered with <see cref="RunEndedSent"/> once
    /// every worker node has been told (they then leave instead of waiting to join again).</summary>
    public sealed record EndRun(string Reason);

    /// <summary>The reply to <see cref="EndRun"/>: how many worker nodes were told.</summary>
    public sealed record RunEndedSent(int Nodes);

    private void EndRunOf(EndRun end)
    {
        foreach (var node in _registered)
            Context.System.Provider.ResolveActorRef(ActorPath.RootOf(node.Address) / "user" / JoinProtocol.WorkerNodeActorName)
                .Tell(new JoinProtocol.RunEnded(end.Reason), Self);
        Sender.Tell(new RunEndedSent(_registered.Count), Self);
    }

    private void Register(Member member)
    {
        if (member.Status != MemberStatus.Up || !member.Roles.Contains(WorkerNodes.Role) || !_registered.Add(member.UniqueAddress)) return;
        int count = member.Metadata.TryGetValue(WorkerNodes.WorkersKey, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is > 0 and <= WorkerNodes.MaxWorkersPerNode ? n : 1;
        foreach (var name in WorkerNodes.ActorNames(count))
        {
            var path = ActorPath.RootOf(member.Address) / "user" / name;
            var worker = Context.System.Provider.ResolveActorRef(path);
            Log.LogInformation("worker {Name} joined from {Node}", name, member.Address);
            _coordinator.Tell(new RegisterWorker(WorkerName(member.Address, name), worker, member.UniqueAddress.Uid));
        }
    }
}
