// The node's handle on cluster membership: starts the daemon at "/system/cluster" in the seed (leader)
// or member role, and offers subscription to ClusterEvents, a graceful leave, tasks for "welcomed" and
// "out of the cluster", and on the leader each member's last heartbeat. Start it after the remote layer
// (ActorRefProvider.UseRemoting), so that the node's address is the one its peers reach it by.
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Dpt.Actors;

namespace Dpt.Cluster;

/// <summary>Cluster membership of one actor system (Akka's <c>Cluster.Get(system)</c>).</summary>
public sealed class Cluster
{
    /// <summary>The daemon's name under "/system".</summary>
    public const string DaemonName = "cluster";

    private static readonly ConditionalWeakTable<ActorSystem, Cluster> s_clusters = new();

    private readonly TaskCompletionSource<Member> _up = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ClusterEvents.SelfRemoved> _removed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Written by the leader's daemon, read by any thread (the dashboard's requests): the clock's ticks of each node's last sign of life.
    private readonly ConcurrentDictionary<Address, long> _heartbeats = new();
    private readonly Func<long> _clock;

    private Cluster(ActorSystem system, ClusterOptions options, bool isLeader, Func<long>? clock)
    {
        options.Validate();
        System = system;
        Options = options;
        IsLeader = isLeader;
        SelfUniqueAddress = UniqueAddress.NewIncarnation(system.Provider.DefaultAddress);
        _clock = clock ?? ClusterDaemonBase.MonotonicTicks;
    }

    /// <summary>The path of the cluster daemon of the node at <paramref name="address"/>: "dpt://dpt@host:port/system/cluster".</summary>
    public static ActorPath DaemonPath(Address address) => ActorPath.RootOf(address) / "system" / DaemonName;

    /// <summary>Starts this node as the seed and leader. <paramref name="joinValidator"/> returns why a
    /// Join is refused (say what differs: model configuration, data hash, ...) or null to admit it.</summary>
    public static Cluster StartSeed(ActorSystem system, ClusterOptions? options = null, Func<ClusterProtocol.Join, string?>? joinValidator = null,
        IReadOnlySet<string>? roles = null, IReadOnlyDictionary<string, string>? metadata = null) =>
        StartSeed(system, options, joinValidator, roles, metadata, clock: null);

    internal static Cluster StartSeed(ActorSystem system, ClusterOptions? options, Func<ClusterProtocol.Join, string?>? joinValidator,
        IReadOnlySet<string>? roles, IReadOnlyDictionary<string, string>? metadata, Func<long>? clock)
    {
        ArgumentNullException.ThrowIfNull(system);
        var cluster = Register(system, new Cluster(system, options ?? ClusterOptions.Default, isLeader: true, clock));
        cluster.Daemon = system.SystemActorOf(Props.Create(() =>
            new SeedClusterDaemon(cluster.Options, cluster.SelfUniqueAddress, roles, metadata, joinValidator, clock, cluster.OnHeartbeat)), DaemonName);
        cluster._up.TrySetResult(new Member(cluster.SelfUniqueAddress, MemberStatus.Up, roles, metadata));
        return cluster;
    }

    /// <summary>Starts this node as a member joining the seed at <paramref name="seed"/> (its daemon is
    /// resolved at <see cref="DaemonPath"/>). Await <see cref="WhenUp"/> for the welcome and watch
    /// <see cref="WhenRemoved"/> for a refusal, a timeout or a removal.</summary>
    public static Cluster StartMember(ActorSystem system, Address seed, ClusterOptions? options = null,
        IReadOnlySet<string>? roles = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(seed);
        return StartMember(system, system.Provider.ResolveActorRef(DaemonPath(seed)), options, roles, metadata, clock: null);
    }

    /// <summary>Starts this node as a member joining through <paramref name="seedDaemon"/> (tests hand a probe or another system's daemon).</summary>
    internal static Cluster StartMember(ActorSystem system, IActorRef seedDaemon, ClusterOptions? options,
        IReadOnlySet<string>? roles, IReadOnlyDictionary<string, string>? metadata, Func<long>? clock)
    {
        var cluster = Register(system, new Cluster(system, options ?? ClusterOptions.Default, isLeader: false, clock));
        cluster.Daemon = system.SystemActorOf(Props.Create(() => new MemberClusterDaemon(cluster.Options, cluster.SelfUniqueAddress,
            seedDaemon, roles, metadata, m => cluster._up.TrySetResult(m), cluster.OnRemoved, clock)), DaemonName);
        return cluster;
    }

    /// <summary>The cluster started on <paramref name="system"/>; throws if none was.</summary>
    public static Cluster Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return s_clusters.TryGetValue(system, out var cluster) ? cluster
            : throw new InvalidOperationException($"no cluster was started on actor system [{system.Name}]; call Cluster.StartSeed or Cluster.StartMember first");
    }

    /// <summary>The actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The validated options.</summary>
    public ClusterOptions Options { get; }

    /// <summary>True on the seed, which is the leader.</summary>
    public bool IsLeader { get; }

    /// <summary>This node's incarnation: its address and a uid drawn at start.</summary>
    public UniqueAddress SelfUniqueAddress { get; }

    /// <summary>The daemon, "/system/cluster".</summary>
    public IActorRef Daemon { get; private set; } = ActorRefs.Nobody;

    /// <summary>Completes with this node as a member once the leader welcomed it (at once on the seed).
    /// It never completes if the node is refused or times out: see <see cref="WhenRemoved"/>.</summary>
    public Task<Member> WhenUp => _up.Task;

    /// <summary>Completes once, when this node is no longer part of the cluster: refused, join timed out,
    /// left, downed or removed by the leader, or the leader was lost. Then shut down, or restart the node
    /// (a new actor system, so a new incarnation) to join again.</summary>
    public Task<ClusterEvents.SelfRemoved> WhenRemoved => _removed.Task;

    /// <summary>Sends <paramref name="subscriber"/> a <see cref="ClusterEvents.CurrentClusterState"/>, then every
    /// published event assignable to one of <paramref name="to"/> (default: all cluster events).</summary>
    public void Subscribe(IActorRef subscriber, params Type[] to)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(to);
        if (to.FirstOrDefault(t => !typeof(ClusterEvents.IClusterDomainEvent).IsAssignableFrom(t)) is { } bad)
            throw new ArgumentException($"{bad.Name} is not a cluster event (ClusterEvents.IClusterDomainEvent)", nameof(to));
        Daemon.Tell(new ClusterDaemonBase.SubscribeRequest(subscriber, to.Length == 0 ? [typeof(ClusterEvents.IClusterDomainEvent)] : to), ActorRefs.NoSender);
    }

    /// <summary>Stops the events to <paramref name="subscriber"/>.</summary>
    public void Unsubscribe(IActorRef subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        Daemon.Tell(new ClusterDaemonBase.UnsubscribeRequest(subscriber), ActorRefs.NoSender);
    }

    /// <summary>Leaves gracefully (Leaving, Exiting, Removed); completes with <see cref="WhenRemoved"/>:
    /// Left once the leader acknowledged the removal, LeaveTimedOut after <see cref="ClusterOptions.LeaveTimeout"/>.
    /// On the leader it completes at once with Left: the leader's node simply stops.</summary>
    public Task<ClusterEvents.SelfRemoved> LeaveAsync()
    {
        if (IsLeader) OnRemoved(new ClusterEvents.SelfRemoved(SelfRemovedCause.Left, "the leader stopped leading"));
        else Daemon.Tell(ClusterDaemonBase.LeaveRequested.Instance, ActorRefs.NoSender);
        return WhenRemoved;
    }

    /// <summary>
    /// On the leader: how long ago the member node at <paramref name="node"/> last answered one of the leader's
    /// heartbeats (its Join counts as the first). A node since downed or removed keeps the time of its last answer,
    /// which tells how long it has been silent. Null for an address never admitted, and on a member node, which keeps none.
    /// </summary>
    public TimeSpan? SinceHeartbeat(Address node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return _heartbeats.TryGetValue(node, out long at) ? TimeSpan.FromTicks(Math.Max(0, _clock() - at)) : null;
    }

    private void OnRemoved(ClusterEvents.SelfRemoved removed) => _removed.TrySetResult(removed);

    private void OnHeartbeat(UniqueAddress node, long at) => _heartbeats[node.Address] = at;

    private static Cluster Register(ActorSystem system, Cluster cluster)
    {
        if (!s_clusters.TryAdd(system, cluster))
            throw new InvalidOperationException($"a cluster was already started on actor system [{system.Name}]");
        return cluster;
    }
}
