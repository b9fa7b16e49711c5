// The options of cluster membership (failure detection, joining, leaving) and their validator, which
// runs before the daemon starts. Defaults give: a silent node unreachable after about 1.7 s and
// downed about 1 s later (see README.md for the arithmetic).

namespace Dpt.Cluster;

/// <summary>Options of the cluster daemons; <see cref="Validate"/> throws naming option, value and range.</summary>
public sealed record ClusterOptions
{
    /// <summary>The defaults.</summary>
    public static ClusterOptions Default { get; } = new();

    /// <summary>How often the leader heartbeats each member and each member the leader; also the interval
    /// the failure detector assumes before it has measured one, and how often the daemon checks phi.
    /// Range [1 ms, 1 min]; default 200 ms.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Phi above which a node is unreachable (phi = -log10 of the probability that a heartbeat
    /// is this late by chance). Range [1, 100]; default 8 (as Akka).</summary>
    public double FailureDetectorThreshold { get; init; } = 8;

    /// <summary>Added to the mean heartbeat interval: a pause this long (GC, a saturated core) raises
    /// little suspicion. Range [0, 1 h]; default 1 s.</summary>
    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Floor of the heartbeat intervals' standard deviation used by the detector, so perfectly
    /// regular heartbeats do not make it jumpy. Range [1 ms, 1 min]; default 100 ms.</summary>
    public TimeSpan MinStdDeviation { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How many recent heartbeat intervals the detector's mean and deviation use.
    /// Range [2, 100 000]; default 1000 (as Akka).</summary>
    public int MaxSampleSize { get; init; } = 1000;

    /// <summary>How long a member stays unreachable before the leader downs and removes it (and a member
    /// gives up on an unreachable leader). Range [0, 1 h]; default 1 s.</summary>
    public TimeSpan AutoDownUnreachableAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a joining node resends Join (and a leaving node Leave) until answered.
    /// Range [1 ms, 1 min]; default 1 s.</summary>
    public TimeSpan RetryJoinInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a node tries to join before it gives up (SelfRemoved with JoinTimedOut).
    /// Range [1 ms, 1 day]; default 60 s.</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a leaving node waits for the leader to acknowledge its removal (SelfRemoved with
    /// LeaveTimedOut after that). Range [1 ms, 1 h]; default 10 s.</summary>
    public TimeSpan LeaveTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The membership protocol version this node speaks; the leader refuses joiners with another.
    /// Range [1, int.MaxValue]; default <see cref="ClusterProtocol.CurrentVersion"/>.</summary>
    public int ProtocolVersion { get; init; } = ClusterProtocol.CurrentVersion;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range, its value and the range.</summary>
    public void Validate()
    {
        CheckRange(nameof(HeartbeatInterval), HeartbeatInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1), "[1 ms, 1 min]");
        if (!(FailureDetectorThreshold is >= 1 and <= 100))
            throw new ArgumentException($"{nameof(FailureDetectorThreshold)} is {FailureDetectorThreshold}; it must be in [1, 100]");
        CheckRange(nameof(AcceptableHeartbeatPause), AcceptableHeartbeatPause, TimeSpan.Zero, TimeSpan.FromHours(1), "[0, 1 h]");
        CheckRange(nameof(MinStdDeviation), MinStdDeviation, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1), "[1 ms, 1 min]");
        if (MaxSampleSize is < 2 or > 100_000)
            throw new ArgumentException($"{nameof(MaxSampleSize)} is {MaxSampleSize}; it must be in [2, 100000]");
        CheckRange(nameof(AutoDownUnreachableAfter), AutoDownUnreachableAfter, TimeSpan.Zero, TimeSpan.FromHours(1), "[0, 1 h]");
        CheckRange(nameof(RetryJoinInterval), RetryJoinInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1), "[1 ms, 1 min]");
        CheckRange(nameof(JoinTimeout), JoinTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1), "[1 ms, 1 day]");
        CheckRange(nameof(LeaveTimeout), LeaveTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1), "[1 ms, 1 h]");
        if (ProtocolVersion < 1)
            throw new ArgumentException($"{nameof(ProtocolVersion)} is {ProtocolVersion}; it must be in [1, {int.MaxValue}]");
    }

    /// <summary>A failure detector with these options, reading <paramref name="clock"/> (TimeSpan ticks).</summary>
    internal PhiAccrualFailureDetector NewFailureDetector(Func<long> clock) =>
        new(FailureDetectorThreshold, MaxSampleSize, MinStdDeviation, AcceptableHeartbeatPause, HeartbeatInterval, clock);

    private static void CheckRange(string name, TimeSpan value, TimeSpan min, TimeSpan max, string range)
    {
        if (value < min || value > max)
            throw new ArgumentException($"{name} is {value.TotalMilliseconds} ms; it must be in {range}");
    }
}
