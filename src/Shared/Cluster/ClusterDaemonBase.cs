// What the leader's and the members' cluster daemons share: the membership they publish events from,
// subscriptions that start with the current state, the timer messages, and the clock.
using System.Diagnostics;
using Dpt.Actors;

namespace Dpt.Cluster;

/// <summary>The base of <see cref="SeedClusterDaemon"/> and <see cref="MemberClusterDaemon"/>.</summary>
public abstract class ClusterDaemonBase : ReceiveActor, IWithTimers
{
    /// <summary>Sent by <see cref="Cluster.Subscribe"/> to the daemon: send <paramref name="Subscriber"/> the
    /// current state, then publish to it every event assignable to one of <paramref name="To"/>.</summary>
    internal sealed record SubscribeRequest(IActorRef Subscriber, Type[] To);

    /// <summary>Sent by <see cref="Cluster.Unsubscribe"/> to the daemon.</summary>
    internal sealed record UnsubscribeRequest(IActorRef Subscriber);

    /// <summary>Sent by <see cref="Cluster.LeaveAsync"/> to the daemon: leave the cluster gracefully.</summary>
    internal sealed class LeaveRequested
    {
        public static readonly LeaveRequested Instance = new();
        private LeaveRequested() { }
        public override string ToString() => "<LeaveRequested>";
    }

    /// <summary>Sent by the daemon's timer every HeartbeatInterval: heartbeat and check the detectors.</summary>
    internal sealed class HeartbeatTick
    {
        public static readonly HeartbeatTick Instance = new();
        private HeartbeatTick() { }
        public override string ToString() => "<HeartbeatTick>";
    }

    /// <summary>Sent by the member daemon's timer every RetryJoinInterval while joining or leaving.</summary>
    internal sealed class RetryTick
    {
        public static readonly RetryTick Instance = new();
        private RetryTick() { }
        public override string ToString() => "<RetryTick>";
    }

    private protected ClusterDaemonBase(ClusterOptions options, UniqueAddress self, Func<long>? clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        SelfUniqueAddress = self ?? throw new ArgumentNullException(nameof(self));
        Clock = clock ?? MonotonicTicks;
    }

    /// <summary>The daemon's timers; set by the runtime.</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    private protected ClusterOptions Options { get; }

    private protected UniqueAddress SelfUniqueAddress { get; }

    /// <summary>Now, in TimeSpan ticks, monotonic.</summary>
    private protected Func<long> Clock { get; }

    /// <summary>The membership as this node knows it.</summary>
    private protected Membership Membership { get; private set; } = Membership.Empty;

    /// <summary>The leader's address, once known.</summary>
    private protected abstract Address? LeaderAddress { get; }

    /// <summary>A monotonic clock in TimeSpan ticks.</summary>
    internal static long MonotonicTicks() => (long)(Stopwatch.GetTimestamp() * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency));

    /// <summary>Adopts <paramref name="next"/> and publishes the events of the change.</summary>
    private protected void Apply(Membership next)
    {
        var events = Membership.Diff(Membership, next);
        Membership = next;
        foreach (var e in events) Publish(e);
    }

    private protected void Publish(ClusterEvents.IClusterDomainEvent e) => Context.System.EventStream.Publish(e);

    /// <summary>The state a new subscriber gets first.</summary>
    private protected virtual ClusterEvents.CurrentClusterState CurrentState() => ClusterEvents.CurrentClusterState.Of(Membership, LeaderAddress);

    /// <summary>Registers the subscription handlers; every behaviour calls it.</summary>
    private protected void ReceiveSubscriptions()
    {
        Receive<SubscribeRequest>(AddSubscriber);
        Receive<UnsubscribeRequest>(r => Context.System.EventStream.Unsubscribe(r.Subscriber));
    }

    // Subscribing inside the daemon, which is the only publisher of cluster events, means the
    // subscriber sees the state and then every later event, none twice and none missed.
    private void AddSubscriber(SubscribeRequest request)
    {
        request.Subscriber.Tell(CurrentState(), Self);
        foreach (var type in request.To) Context.System.EventStream.Subscribe(request.Subscriber, type);
    }

    private protected static string Ms(TimeSpan duration) => $"{duration.TotalMilliseconds:0} ms";
}
