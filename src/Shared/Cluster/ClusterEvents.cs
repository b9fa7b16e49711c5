// The events a node's cluster daemon publishes on its system's EventStream (Akka's names). Subscribe
// through Cluster.Subscribe to get a CurrentClusterState first and then every change, without gaps.
using Dpt.Actors;

namespace Dpt.Cluster;

/// <summary>What subscribers of <see cref="Cluster.Subscribe"/> receive.</summary>
public static class ClusterEvents
{
    /// <summary>Every cluster event.</summary>
    public interface IClusterDomainEvent;

    /// <summary>A member changed status.</summary>
    public interface IMemberEvent : IClusterDomainEvent
    {
        /// <summary>The member, in its new status.</summary>
        Member Member { get; }
    }

    /// <summary>A member became unreachable or reachable again.</summary>
    public interface IReachabilityEvent : IClusterDomainEvent
    {
        /// <summary>The member concerned.</summary>
        Member Member { get; }
    }

    /// <summary>Published when the leader admitted a node (status Joining).</summary>
    public sealed record MemberJoined(Member Member) : IMemberEvent;

    /// <summary>Published when a member became Up: it takes part from now on.</summary>
    public sealed record MemberUp(Member Member) : IMemberEvent;

    /// <summary>Published when a member asked to leave (status Leaving).</summary>
    public sealed record MemberLeft(Member Member) : IMemberEvent;

    /// <summary>Published when a leaving member was moved to Exiting, just before its removal.</summary>
    public sealed record MemberExited(Member Member) : IMemberEvent;

    /// <summary>Published when the leader declared a member dead (status Down); actors watched at its
    /// address get Terminated at the same time.</summary>
    public sealed record MemberDowned(Member Member) : IMemberEvent;

    /// <summary>Published when a member left the member list; <paramref name="Member"/> is in status
    /// Removed and <paramref name="PreviousStatus"/> tells whether it left (Exiting) or died (Down).</summary>
    public sealed record MemberRemoved(Member Member, MemberStatus PreviousStatus) : IMemberEvent;

    /// <summary>Published when the failure detector suspects a member (phi above the threshold).</summary>
    public sealed record UnreachableMember(Member Member) : IReachabilityEvent;

    /// <summary>Published when an unreachable member's heartbeats came back before it was downed.</summary>
    public sealed record ReachableMember(Member Member) : IReachabilityEvent;

    /// <summary>Sent to a new subscriber before any event: the membership as this node knows it.</summary>
    public sealed record CurrentClusterState(IReadOnlyList<Member> Members, IReadOnlySet<Member> Unreachable, Address? Leader)
        : IClusterDomainEvent
    {
        /// <summary>The state <paramref name="membership"/> describes, with <paramref name="leader"/> (null before joining).</summary>
        public static CurrentClusterState Of(Membership membership, Address? leader) =>
            new(membership.Members.ToArray(), membership.Unreachable.Select(u => membership[u]!).ToHashSet(), leader);

        public override string ToString() =>
            $"CurrentClusterState(leader {Leader?.ToString() ?? "none"}: {string.Join(", ", Members)}" +
            (Unreachable.Count == 0 ? ")" : $"; unreachable [{string.Join(", ", Unreachable)}])");
    }

    /// <summary>Published on a node when it is no longer part of the cluster, once: the node should shut
    /// down, or start a new incarnation and join again.</summary>
    public sealed record SelfRemoved(SelfRemovedCause Cause, string Reason) : IClusterDomainEvent;
}

/// <summary>Why a node is no longer part of the cluster.</summary>
public enum SelfRemovedCause
{
    /// <summary>It left gracefully and the leader acknowledged the removal.</summary>
    Left,
    /// <summary>It asked to leave but the leader did not acknowledge within <see cref="ClusterOptions.LeaveTimeout"/>.</summary>
    LeaveTimedOut,
    /// <summary>The leader refused its Join (protocol version or the join validator); the reason says why.</summary>
    JoinRefused,
    /// <summary>The leader did not answer its Join within <see cref="ClusterOptions.JoinTimeout"/>.</summary>
    JoinTimedOut,
    /// <summary>The leader downed or removed it (e.g. it was unreachable too long), or does not know it.</summary>
    RemovedByLeader,
    /// <summary>The leader was unreachable for longer than <see cref="ClusterOptions.AutoDownUnreachableAfter"/>.</summary>
    LeaderLost,
}
