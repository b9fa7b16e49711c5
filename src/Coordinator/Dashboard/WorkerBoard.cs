// The workers as the dashboard shows them: who is registered with the coordinator (WorkersChanged), what each
// computed (the shards of applied steps), and for a worker in another process its node's membership (up,
// unreachable, leaving, down), from the cluster's events, and its node's last heartbeat, asked of the cluster
// when viewed. Each worker's state follows from those facts whatever order they arrive in: membership and the
// coordinator report through different paths.
using Dpt.Actors;
using Dpt.Cluster;
using Dpt.Coordinator.Cluster;
using static Dpt.Cluster.ClusterEvents;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Dashboard;

/// <summary>Worker states as the dashboard names them.</summary>
internal static class WorkerStates
{
    public const string Up = "up", Unreachable = "unreachable", Leaving = "leaving", Left = "left", Down = "down", Lost = "lost";
}

internal sealed class WorkerBoard
{
    private readonly List<Entry> _workers = new(); // in order of first appearance
    private readonly Dictionary<string, Entry> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);

    /// <summary>The coordinator's list of registered workers: those in it are registered, the others known before are not.</summary>
    public void Registered(IReadOnlyList<string> names)
    {
        var now = new HashSet<string>(names, StringComparer.Ordinal);
        foreach (var name in names) Of(name).Registered = true;
        foreach (var entry in _workers) entry.Registered = now.Contains(entry.Name);
    }

    /// <summary>Credits each shard of <paramref name="step"/> to its worker.</summary>
    public void Computed(StepCompleted step)
    {
        foreach (var shard in step.Shards)
        {
            var entry = Of(shard.Worker);
            entry.Samples += shard.Shard.Count;
            entry.Shards++;
            entry.ComputeSeconds += shard.Timing.ComputeSeconds;
            entry.LastShardAt = step.Timestamp;
        }
    }

    /// <summary>A cluster event about a node (others are ignored).</summary>
    public void Member(IClusterDomainEvent e)
    {
        switch (e)
        {
            case CurrentClusterState state:
                foreach (var m in state.Members) NodeOf(m).Status = m.Status;
                foreach (var m in state.Unreachable) NodeOf(m).Unreachable = true;
                break;
            case MemberRemoved removed:
                var node = NodeOf(removed.Member);
                (node.Status, node.RemovedFrom) = (MemberStatus.Removed, removed.PreviousStatus);
                break;
            case IMemberEvent member:
                var n = NodeOf(member.Member);
                n.Status = member.Member.Status;
                // A node that joins again (a new incarnation at the same address) starts afresh.
                if (n.Status is MemberStatus.Joining or MemberStatus.Up) (n.Unreachable, n.RemovedFrom) = (false, null);
                break;
            case UnreachableMember unreachable:
                NodeOf(unreachable.Member).Unreachable = true;
                break;
            case ReachableMember reachable:
                NodeOf(reachable.Member).Unreachable = false;
                break;
        }
    }

    /// <summary>Each worker as of <paramref name="now"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), with its part of <paramref name="recent"/>.</summary>
    /// <param name="sinceHeartbeat">The time since a node last answered a heartbeat (<see cref="Dpt.Cluster.Cluster.SinceHeartbeat"/>); null in local mode.</param>
    public IReadOnlyList<WorkerView> View(RecentSummary recent, long now, Func<Address, TimeSpan?>? sinceHeartbeat = null) =>
        _workers.Select(e =>
        {
            var window = recent.Workers.GetValueOrDefault(e.Name);
            return new WorkerView(e.Name, e.Node?.TrimEnd('/') ?? "in process", State(e),
                recent.StepSeconds > 0 ? window.Samples / recent.StepSeconds : 0,
                window.ComputeSeconds > 0 ? window.Samples / window.ComputeSeconds : null,
                recent.Samples > 0 ? (double)window.Samples / recent.Samples : 0,
                e.Shards, e.Samples, e.Shards > 0 ? e.ComputeSeconds / e.Shards * 1e3 : null,
                e.LastShardAt is { } at ? Math.Max(0, System.Diagnostics.Stopwatch.GetElapsedTime(at, now).TotalSeconds) : null,
                NodeOf(e)?.Address is { } address ? sinceHeartbeat?.Invoke(address)?.TotalSeconds : null);
        }).ToList();

    private Node? NodeOf(Entry e) => e.Node is null ? null : _nodes.GetValueOrDefault(e.Node);

    private string State(Entry e)
    {
        var node = NodeOf(e);
        bool down = node is { Status: MemberStatus.Down } or { Status: MemberStatus.Removed, RemovedFrom: MemberStatus.Down };
        bool left = !down && node is { Status: MemberStatus.Leaving or MemberStatus.Exiting or MemberStatus.Removed };
        if (down) return WorkerStates.Down;
        if (left) return e.Registered && node!.Status != MemberStatus.Removed ? WorkerStates.Leaving : WorkerStates.Left;
        if (!e.Registered) return WorkerStates.Lost;
        return node is { Unreachable: true } ? WorkerStates.Unreachable : WorkerStates.Up;
    }

    private Entry Of(string name)
    {
        if (_byName.TryGetValue(name, out var entry)) return entry;
        // A worker in another process is named after its node (WorkerMembership.WorkerName): "host:port/worker-1".
        int slash = name.LastIndexOf('/');
        entry = new Entry(name, slash > 0 ? name[..(slash + 1)] : null);
        _byName[name] = entry;
        _workers.Add(entry);
        return entry;
    }

    private Node NodeOf(Member member)
    {
        string key = WorkerMembership.WorkerName(member.Address, "");
        if (!_nodes.TryGetValue(key, out var node)) _nodes[key] = node = new Node(member.Address);
        return node;
    }

    private sealed class Entry(string name, string? node)
    {
        public string Name { get; } = name;

        /// <summary>The node's key, "host:port/", for a worker in another process; null for one in this process.</summary>
        public string? Node { get; } = node;

        public bool Registered { get; set; }
        public long Samples { get; set; }
        public long Shards { get; set; }
        public double ComputeSeconds { get; set; }
        public long? LastShardAt { get; set; }
    }

    private sealed class Node(Address address)
    {
        public Address Address { get; } = address;

        public MemberStatus Status { get; set; } = MemberStatus.Joining;
        public bool Unreachable { get; set; }
        public MemberStatus? RemovedFrom { get; set; }
    }
}
