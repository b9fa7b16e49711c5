// The cluster daemon of a node that joins the seed: sends Join until welcomed (or refused, or out of
// time), then answers and sends heartbeats, runs a phi detector on the leader, adopts the membership
// the leader pushes and publishes its events locally, and leaves gracefully on request. It ends once,
// with SelfRemoved, when it is refused, removed, left, timed out or lost the leader; a node that
// wants to come back starts a new daemon with a new incarnation (new uid).
using Dpt.Actors;
using Microsoft.Extensions.Logging;
using static Dpt.Cluster.ClusterProtocol;

namespace Dpt.Cluster;

/// <summary>A member's daemon, at "/system/cluster" of a joining node; see the file header.</summary>
public sealed class MemberClusterDaemon : ClusterDaemonBase
{
    private readonly IActorRef _seed;
    private readonly Join _join;
    private readonly Action<Member>? _onUp;
    private readonly Action<ClusterEvents.SelfRemoved>? _onRemoved;
    private readonly PhiAccrualFailureDetector _leaderDetector;
    private UniqueAddress? _leader;
    private long _deadline;
    private long? _leaderUnreachableSince;
    private long _sequence;

    /// <summary>Creates the daemon of a node joining through <paramref name="seed"/> (the seed's daemon).</summary>
    /// <param name="onUp">called once, from the daemon, when the leader welcomed this node.</param>
    /// <param name="onRemoved">called once, from the daemon, when this node is out of the cluster.</param>
    /// <param name="clock">now in TimeSpan ticks (tests); default: monotonic.</param>
    internal MemberClusterDaemon(ClusterOptions options, UniqueAddress self, IActorRef seed, IReadOnlySet<string>? roles,
        IReadOnlyDictionary<string, string>? metadata, Action<Member>? onUp = null,
        Action<ClusterEvents.SelfRemoved>? onRemoved = null, Func<long>? clock = null)
        : base(options, self, clock)
    {
        _seed = seed ?? throw new ArgumentNullException(nameof(seed));
        var member = new Member(self, MemberStatus.Joining, roles, metadata);
        _join = new Join(self, options.ProtocolVersion, member.Roles, member.Metadata);
        _onUp = onUp;
        _onRemoved = onRemoved;
        _leaderDetector = options.NewFailureDetector(Clock);
        Joining();
    }

    private protected override Address? LeaderAddress => _leader?.Address;

    protected override void PreStart()
    {
        _deadline = Clock() + Options.JoinTimeout.Ticks;
        SendJoin();
        Timers.StartPeriodicTimer(RetryTick.Instance, RetryTick.Instance, Options.RetryJoinInterval);
    }

    private void Joining()
    {
        Receive<Welcome>(BecomeMember);
        Receive<JoinRefused>(r => Finish(SelfRemovedCause.JoinRefused, $"the leader refused the join: {r.Reason}"));
        Receive<RetryTick>(_ => RetryJoin());
        Receive<LeaveRequested>(_ => Finish(SelfRemovedCause.Left, "left before the leader welcomed it"));
        ReceiveSubscriptions();
    }

    private void Up()
    {
        ReceiveMembershipAndHeartbeats();
        Receive<LeaveRequested>(_ => StartLeaving());
        ReceiveSubscriptions();
    }

    private void Leaving()
    {
        ReceiveMembershipAndHeartbeats();
        Receive<Exited>(_ => Log.LogInformation("The leader moved {Self} to Exiting", SelfUniqueAddress));
        Receive<RetryTick>(_ => RetryLeave());
        Receive<LeaveRequested>(_ => { });
        ReceiveSubscriptions();
    }

    private void Finished()
    {
        ReceiveSubscriptions();
        ReceiveAny(_ => { });
    }

    private void ReceiveMembershipAndHeartbeats()
    {
        Receive<MembershipChanged>(m => Adopt(m.Membership));
        Receive<Welcome>(w => Adopt(w.Membership));
        Receive<Heartbeat>(h => Sender.Tell(new HeartbeatResponse(SelfUniqueAddress, h.Sequence), Self));
        Receive<HeartbeatResponse>(RecordHeartbeat);
        Receive<HeartbeatTick>(_ => HeartbeatAndCheckLeader());
        Receive<Removed>(r => r.Node.Equals(SelfUniqueAddress), BeRemoved);
    }

    private void SendJoin() => _seed.Tell(_join, Self);

    private void RetryJoin()
    {
        if (Clock() >= _deadline)
            Finish(SelfRemovedCause.JoinTimedOut, $"no answer from the seed {_seed.Path} within {Ms(Options.JoinTimeout)}");
        else
            SendJoin();
    }

    private void BecomeMember(Welcome welcome)
    {
        _leader = welcome.Leader;
        Timers.Cancel(RetryTick.Instance);
        Apply(welcome.Membership);
        _leaderDetector.Heartbeat();
        Timers.StartPeriodicTimer(HeartbeatTick.Instance, HeartbeatTick.Instance, Options.HeartbeatInterval);
        Log.LogInformation("{Self} joined the cluster led by {Leader}", SelfUniqueAddress, _leader);
        Become(Up);
        if (Membership[SelfUniqueAddress] is { } self) _onUp?.Invoke(self);
    }

    private void Adopt(Membership membership)
    {
        if (membership.Version > Membership.Version) Apply(membership);
    }

    private void RecordHeartbeat(HeartbeatResponse response)
    {
        if (!response.From.Equals(_leader)) return;
        _leaderDetector.Heartbeat();
    }

    private void HeartbeatAndCheckLeader()
    {
        _seed.Tell(new Heartbeat(SelfUniqueAddress, ++_sequence), Self);
        long now = Clock();
        var leader = Membership[_leader!] ?? new Member(_leader!, MemberStatus.Up);
        if (!_leaderDetector.IsAvailable && _leaderUnreachableSince is null)
        {
            Log.LogWarning("The leader {Leader} is unreachable (phi {Phi:0.0})", _leader, _leaderDetector.Phi());
            _leaderUnreachableSince = now;
            Publish(new ClusterEvents.UnreachableMember(leader));
        }
        else if (_leaderDetector.IsAvailable && _leaderUnreachableSince is not null)
        {
            Log.LogInformation("The leader {Leader} is reachable again", _leader);
            _leaderUnreachableSince = null;
            Publish(new ClusterEvents.ReachableMember(leader));
        }
        if (_leaderUnreachableSince is { } since && TimeSpan.FromTicks(now - since) >= Options.AutoDownUnreachableAfter)
        {
            Context.System.Provider.NotifyAddressTerminated(_leader!.Address);
            Finish(SelfRemovedCause.LeaderLost, $"the leader {_leader} was unreachable for more than {Ms(Options.AutoDownUnreachableAfter)}");
        }
    }

    private void StartLeaving()
    {
        Log.LogInformation("{Self} is leaving the cluster", SelfUniqueAddress);
        _deadline = Clock() + Options.LeaveTimeout.Ticks;
        _seed.Tell(new Leave(SelfUniqueAddress), Self);
        Timers.StartPeriodicTimer(RetryTick.Instance, RetryTick.Instance, Options.RetryJoinInterval);
        Become(Leaving);
    }

    private void RetryLeave()
    {
        if (Clock() >= _deadline)
            Finish(SelfRemovedCause.LeaveTimedOut, $"the leader did not acknowledge the leave within {Ms(Options.LeaveTimeout)}");
        else
            _seed.Tell(new Leave(SelfUniqueAddress), Self);
    }

    private void BeRemoved(Removed removed)
    {
        bool leaving = Membership[SelfUniqueAddress]?.Status is MemberStatus.Leaving or MemberStatus.Exiting;
        Finish(leaving ? SelfRemovedCause.Left : SelfRemovedCause.RemovedByLeader, $"the leader removed this node: {removed.Reason}");
    }

    /// <summary>Ends this incarnation: MemberRemoved for itself (if it was listed), then SelfRemoved.</summary>
    private void Finish(SelfRemovedCause cause, string reason)
    {
        Timers.CancelAll();
        if (cause is SelfRemovedCause.Left) Log.LogInformation("{Self}: {Reason}", SelfUniqueAddress, reason);
        else Log.LogWarning("{Self} is out of the cluster ({Cause}): {Reason}", SelfUniqueAddress, cause, reason);
        if (Membership.Contains(SelfUniqueAddress)) Apply(Membership.ChangeStatus(SelfUniqueAddress, MemberStatus.Removed));
        var removed = new ClusterEvents.SelfRemoved(cause, reason);
        Publish(removed);
        Become(Finished);
        _onRemoved?.Invoke(removed);
    }
}
