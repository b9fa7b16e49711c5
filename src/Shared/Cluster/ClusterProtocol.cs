// The messages between the leader's cluster daemon (on the seed, the coordinator) and the members'
// daemons, all of which cross the network (serializers in Serialization/ClusterSerializers.cs). The
// topology is a star: members talk only to the leader, the leader pushes the whole membership.
namespace Dpt.Cluster;

/// <summary>Messages between cluster daemons.</summary>
public static class ClusterProtocol
{
    /// <summary>The protocol version this build speaks; a Join with another version is refused.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Sent by a joining node's daemon to the seed's daemon, every RetryJoinInterval until it is
    /// welcomed or refused. The leader answers <see cref="Welcome"/> or <see cref="JoinRefused"/>.</summary>
    public sealed record Join(UniqueAddress Node, int ProtocolVersion, IReadOnlySet<string> Roles, IReadOnlyDictionary<string, string> Metadata)
    {
        public UniqueAddress Node { get; } = Node ?? throw new ArgumentNullException(nameof(Node));
        public IReadOnlySet<string> Roles { get; } = Roles ?? throw new ArgumentNullException(nameof(Roles));
        public IReadOnlyDictionary<string, string> Metadata { get; } = Metadata ?? throw new ArgumentNullException(nameof(Metadata));

        public override string ToString() =>
            $"Join({Node}, v{ProtocolVersion}, roles=[{string.Join(",", Roles)}], metadata={{{string.Join(", ", Metadata.Select(kv => kv.Key + "=" + kv.Value))}}})";
    }

    /// <summary>Sent by the leader to a joining node once it is Up, with the membership it is now part of.</summary>
    public sealed record Welcome(UniqueAddress Leader, Membership Membership)
    {
        public UniqueAddress Leader { get; } = Leader ?? throw new ArgumentNullException(nameof(Leader));
        public Membership Membership { get; } = Membership ?? throw new ArgumentNullException(nameof(Membership));
    }

    /// <summary>Sent by the leader to a joining node it does not admit; <paramref name="Reason"/> says what
    /// differs (protocol version, model configuration, data hash, ...).</summary>
    public sealed record JoinRefused(string Reason)
    {
        public string Reason { get; } = string.IsNullOrWhiteSpace(Reason) ? throw new ArgumentException("a refusal must give a reason", nameof(Reason)) : Reason;
    }

    /// <summary>Sent by a member to the leader (every RetryJoinInterval until removed) to leave gracefully:
    /// the leader moves <paramref name="Node"/> through Leaving and Exiting to Removed. It names the
    /// incarnation, not only the address, so a stale Leave cannot remove a restarted node.</summary>
    public sealed record Leave(UniqueAddress Node)
    {
        public UniqueAddress Node { get; } = Node ?? throw new ArgumentNullException(nameof(Node));
    }

    /// <summary>Sent by the leader to a leaving member when it moved it to Exiting.</summary>
    public sealed record Exited(UniqueAddress Node)
    {
        public UniqueAddress Node { get; } = Node ?? throw new ArgumentNullException(nameof(Node));
    }

    /// <summary>Sent by the leader to a node it removed (after a leave or a down), and in reply to any
    /// message from a node that is not a member: that incarnation is out for good and may only come back
    /// as a new one (new uid).</summary>
    public sealed record Removed(UniqueAddress Node, string Reason)
    {
        public UniqueAddress Node { get; } = Node ?? throw new ArgumentNullException(nameof(Node));
        public string Reason { get; } = Reason ?? throw new ArgumentNullException(nameof(Reason));
    }

    /// <summary>Sent by the leader to every member and by every member to the leader each HeartbeatInterval;
    /// the receiver answers <see cref="HeartbeatResponse"/> with the same sequence number.</summary>
    public sealed record Heartbeat(UniqueAddress From, long Sequence)
    {
        public UniqueAddress From { get; } = From ?? throw new ArgumentNullException(nameof(From));
    }

    /// <summary>Sent by a node to the sender of a <see cref="Heartbeat"/> at once; feeds the sender's failure detector.</summary>
    public sealed record HeartbeatResponse(UniqueAddress From, long Sequence)
    {
        public UniqueAddress From { get; } = From ?? throw new ArgumentNullException(nameof(From));
    }

    /// <summary>Sent by the leader to every member (but a newly welcomed one) after each change of the
    /// membership; a member ignores one whose version is not newer than what it has.</summary>
    public sealed record MembershipChanged(Membership Membership)
    {
        public Membership Membership { get; } = Membership ?? throw new ArgumentNullException(nameof(Membership));
    }
}
