// Cluster mode: hands the cluster's membership and reachability events (a worker node up, unreachable,
// leaving, downed, removed) to the dashboard's state: what the failure detector concludes from the heartbeats.
// The heartbeats themselves do not come here: their times are read from the Cluster when a view is made.
using Dpt.Actors;
using static Dpt.Cluster.ClusterEvents;

namespace Dpt.Coordinator.Dashboard;

internal sealed class DashboardMembership : ReceiveActor
{
    private readonly Dpt.Cluster.Cluster _cluster;

    public DashboardMembership(Dpt.Cluster.Cluster cluster, DashboardState state)
    {
        _cluster = cluster;
        Receive<IClusterDomainEvent>(state.Apply);
    }

    public static Props Props(Dpt.Cluster.Cluster cluster, DashboardState state) =>
        Actors.Props.Create(() => new DashboardMembership(cluster, state));

    protected override void PreStart() => _cluster.Subscribe(Self, typeof(IMemberEvent), typeof(IReachabilityEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);
}
