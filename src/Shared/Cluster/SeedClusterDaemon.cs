// The cluster daemon of the seed node, which is the leader (the coordinator): admits joiners (protocol
// version and a pluggable validator), moves them Joining -> Up, heartbeats every member and runs a phi
// detector on each, marks silent members unreachable and downs them after AutoDownUnreachableAfter,
// moves leavers through Leaving -> Exiting -> Removed, and pushes the whole membership to every
// member after each change. It does not elect a leader: the seed is the leader for its whole life.
using Dpt.Actors;
using Microsoft.Extensions.Logging;
using static Dpt.Cluster.ClusterProtocol;

namespace Dpt.Cluster;

/// <summary>The leader's daemon, at "/system/cluster" of the seed node; see the file header.</summary>
public sealed class SeedClusterDaemon : ClusterDaemonBase
{
    private readonly Func<Join, string?>? _joinValidator;
    private readonly Action<UniqueAddress, long>? _heartbeatReceived;
    private readonly Dictionary<UniqueAddress, IActorRef> _peers = [];
    private readonly Dictionary<UniqueAddress, PhiAccrualFailureDetector> _detectors = [];
    private readonly Dictionary<UniqueAddress, long> _unreachableSince = [];
    private readonly Dictionary<UniqueAddress, string> _removed = [];
    // Nodes already told, in the log, that they are not members: a node resumed after SIGSTOP sends every heartbeat
    // it queued while stopped, and each gets the same answer, which the log says once.
    private readonly HashSet<UniqueAddress> _toldNotAMember = [];
    private long _sequence;

    /// <summary>Creates the leader's daemon; <paramref name="self"/> is listed Up at once.</summary>
    /// <param name="joinValidator">returns why a Join is refused, or null to admit it.</param>
    /// <param name="clock">now in TimeSpan ticks (tests); default: monotonic.</param>
    /// <param name="heartbeatReceived">told each member's node and the clock's time whenever it shows life (its Join, each heartbeat answer).</param>
    internal SeedClusterDaemon(ClusterOptions options, UniqueAddress self, IReadOnlySet<string>? roles,
        IReadOnlyDictionary<string, string>? metadata, Func<Join, string?>? joinValidator, Func<long>? clock = null,
        Action<UniqueAddress, long>? heartbeatReceived = null)
        : base(options, self, clock)
    {
        _joinValidator = joinValidator;
        _heartbeatReceived = heartbeatReceived;
        var leader = new Member(self, MemberStatus.Joining, roles, metadata);
        Apply(Membership.Join(leader));
        Apply(Membership.ChangeStatus(self, MemberStatus.Up));
        Leading();
    }

    private protected override Address LeaderAddress => SelfUniqueAddress.Address;

    protected override void PreStart() =>
        Timers.StartPeriodicTimer(HeartbeatTick.Instance, HeartbeatTick.Instance, Options.HeartbeatInterval);

    private void Leading()
    {
        Receive<Join>(AdmitOrRefuse);
        Receive<Leave>(MoveLeaverOn);
        Receive<Heartbeat>(AnswerHeartbeat);
        Receive<HeartbeatResponse>(RecordHeartbeat);
        Receive<HeartbeatTick>(_ => HeartbeatAndCheckMembers());
        Receive<LeaveRequested>(_ => Log.LogWarning("The leader {Self} cannot leave its own cluster; stop the node instead", SelfUniqueAddress));
        ReceiveSubscriptions();
    }

    private void AdmitOrRefuse(Join join)
    {
        if (RefusalOf(join) is { } reason)
        {
            Log.LogWarning("Refused {Join} from {Sender}: {Reason}", join, Sender, reason);
            Sender.Tell(new JoinRefused(reason), Self);
            return;
        }
        _peers[join.Node] = Sender;
        if (Membership.Contains(join.Node))
        {
            Sender.Tell(new Welcome(SelfUniqueAddress, Membership), Self); // a retried Join: the Welcome was lost
            return;
        }
        if (Membership.MemberAt(join.Node.Address) is { } old)
            DownAndRemove(old.UniqueAddress, $"replaced by a new incarnation {join.Node}");
        Apply(Membership.Join(new Member(join.Node, MemberStatus.Joining, join.Roles, join.Metadata)));
        Apply(Membership.ChangeStatus(join.Node, MemberStatus.Up));
        var detector = Options.NewFailureDetector(Clock);
        detector.Heartbeat(); // the Join is a first sign of life: a node that never answers is detected too
        _detectors[join.Node] = detector;
        _heartbeatReceived?.Invoke(join.Node, Clock());
        Log.LogInformation("{Node} joined with roles [{Roles}] and is Up", join.Node, string.Join(",", join.Roles));
        Sender.Tell(new Welcome(SelfUniqueAddress, Membership), Self);
        PushMembership(except: join.Node);
    }

    private string? RefusalOf(Join join)
    {
        if (join.ProtocolVersion != Options.ProtocolVersion)
            return $"cluster protocol version {join.ProtocolVersion} of {join.Node} differs from the leader's {Options.ProtocolVersion}; run the same dpt release on every node";
        if (_removed.ContainsKey(join.Node))
            return $"{join.Node} was removed from the cluster ({_removed[join.Node]}); restart the node to join as a new incarnation";
        if (join.Node.Address.Equals(SelfUniqueAddress.Address))
            return $"{join.Node} has the leader's own address";
        if (Membership.Contains(join.Node)) return null;
        try
        {
            return _joinValidator?.Invoke(join);
        }
        catch (Exception e)
        {
            return $"the join validator failed: {e.Message}";
        }
    }

    private void MoveLeaverOn(Leave leave)
    {
        var node = leave.Node;
        if (NotAMember(node)) return;
        if (node.Equals(SelfUniqueAddress) || Membership[node]!.Status == MemberStatus.Down) return;
        _peers[node] = Sender;
        if (Membership[node]!.Status is MemberStatus.Joining or MemberStatus.Up)
        {
            Apply(Membership.ChangeStatus(node, MemberStatus.Leaving));
            PushMembership();
        }
        if (Membership[node]!.Status == MemberStatus.Leaving)
        {
            Apply(Membership.ChangeStatus(node, MemberStatus.Exiting));
            PushMembership();
            Sender.Tell(new Exited(node), Self);
        }
        Log.LogInformation("{Node} left the cluster", node);
        Remove(node, "left the cluster");
    }

    private void AnswerHeartbeat(Heartbeat heartbeat)
    {
        if (NotAMember(heartbeat.From)) return;
        Sender.Tell(new HeartbeatResponse(SelfUniqueAddress, heartbeat.Sequence), Self);
    }

    private void RecordHeartbeat(HeartbeatResponse response)
    {
        if (NotAMember(response.From)) return;
        _detectors.GetValueOrDefault(response.From)?.Heartbeat();
        _heartbeatReceived?.Invoke(response.From, Clock());
    }

    private void HeartbeatAndCheckMembers()
    {
        var heartbeat = new Heartbeat(SelfUniqueAddress, ++_sequence);
        foreach (var (node, peer) in _peers)
            if (Membership.Contains(node)) peer.Tell(heartbeat, Self);
        long now = Clock();
        foreach (var (node, detector) in _detectors.ToArray())
        {
            bool unreachable = Membership.Unreachable.Contains(node);
            if (!detector.IsAvailable && !unreachable)
            {
                Log.LogWarning("{Node} is unreachable (phi {Phi:0.0} above {Threshold})", node, detector.Phi(), detector.Threshold);
                _unreachableSince[node] = now;
                Apply(Membership.MarkUnreachable(node));
                PushMembership();
            }
            else if (detector.IsAvailable && unreachable)
            {
                Log.LogInformation("{Node} is reachable again", node);
                _unreachableSince.Remove(node);
                Apply(Membership.MarkReachable(node));
                PushMembership();
            }
            if (_unreachableSince.TryGetValue(node, out long since) && TimeSpan.FromTicks(now - since) >= Options.AutoDownUnreachableAfter)
                DownAndRemove(node, $"unreachable for more than {Ms(Options.AutoDownUnreachableAfter)}");
        }
    }

    /// <summary>Down (actors watched there get Terminated), then Removed; each change pushed.</summary>
    private void DownAndRemove(UniqueAddress node, string reason)
    {
        Log.LogWarning("Downing {Node}: {Reason}", node, reason);
        Apply(Membership.ChangeStatus(node, MemberStatus.Down));
        PushMembership();
        Context.System.Provider.NotifyAddressTerminated(node.Address);
        Remove(node, $"downed: {reason}");
    }

    private void Remove(UniqueAddress node, string reason)
    {
        Apply(Membership.ChangeStatus(node, MemberStatus.Removed));
        PushMembership();
        Context.System.Provider.NotifyAddressTerminated(node.Address);
        if (_peers.Remove(node, out var peer)) peer.Tell(new Removed(node, reason), Self);
        _detectors.Remove(node);
        _unreachableSince.Remove(node);
        _removed[node] = reason;
    }

    /// <summary>True, after telling the sender it is removed, when <paramref name="node"/> is not a member.</summary>
    private bool NotAMember(UniqueAddress node)
    {
        if (Membership.Contains(node)) return false;
        string reason = _removed.TryGetValue(node, out var why) ? why : "not a member of this cluster";
        if (_toldNotAMember.Add(node)) Log.LogInformation("{Node} is not a member ({Reason}); telling it it is removed", node, reason);
        else Log.LogDebug("{Node} is not a member ({Reason}); telling it it is removed again", node, reason);
        Sender.Tell(new Removed(node, reason), Self);
        return true;
    }

    private void PushMembership(UniqueAddress? except = null)
    {
        var changed = new MembershipChanged(Membership);
        foreach (var (node, peer) in _peers)
            if (!node.Equals(except) && Membership.Contains(node)) peer.Tell(changed, Self);
    }
}
