// The membership the leader owns and pushes to every member: the members with their statuses, the
// unreachable set, and a version that grows with every change. Immutable: every operation returns a
// new Membership, and Diff(before, after) names the events a change makes. It holds no clocks and no
// refs; the daemons decide when to change it.
using System.Collections.Immutable;
using Dpt.Actors;

namespace Dpt.Cluster;

/// <summary>An immutable view of the cluster's members, as the leader decided it.</summary>
public sealed class Membership
{
    private readonly ImmutableSortedDictionary<UniqueAddress, Member> _members;
    private readonly ImmutableSortedSet<UniqueAddress> _unreachable;

    /// <summary>No members, version 0.</summary>
    public static Membership Empty { get; } = new(ImmutableSortedDictionary<UniqueAddress, Member>.Empty, [], 0);

    private Membership(ImmutableSortedDictionary<UniqueAddress, Member> members, ImmutableSortedSet<UniqueAddress> unreachable, long version)
    {
        _members = members;
        _unreachable = unreachable;
        Version = version;
    }

    /// <summary>Rebuilds a membership received from the leader; checks that every unreachable node is a
    /// member and that no address appears twice.</summary>
    public static Membership Create(IEnumerable<Member> members, IEnumerable<UniqueAddress> unreachable, long version)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(unreachable);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        var builder = ImmutableSortedDictionary.CreateBuilder<UniqueAddress, Member>();
        foreach (var member in members)
        {
            if (member.Status == MemberStatus.Removed) throw new ArgumentException($"{member} is Removed: removed members are not listed", nameof(members));
            if (builder.Keys.Any(k => k.Address.Equals(member.Address)))
                throw new ArgumentException($"address {member.Address} is listed twice", nameof(members));
            builder.Add(member.UniqueAddress, member);
        }
        var set = unreachable.ToImmutableSortedSet();
        if (set.FirstOrDefault(u => !builder.ContainsKey(u)) is { } stranger)
            throw new ArgumentException($"unreachable node {stranger} is not a member", nameof(unreachable));
        return new Membership(builder.ToImmutable(), set, version);
    }

    /// <summary>The members, ordered by address (removed members are not listed).</summary>
    public IEnumerable<Member> Members => _members.Values;

    /// <summary>How many members are listed.</summary>
    public int Count => _members.Count;

    /// <summary>The members the leader currently cannot reach.</summary>
    public IReadOnlySet<UniqueAddress> Unreachable => _unreachable;

    /// <summary>Grows by one with every change; members ignore a pushed membership that is not newer.</summary>
    public long Version { get; }

    /// <summary>The member <paramref name="node"/>, or null.</summary>
    public Member? this[UniqueAddress node] => _members.GetValueOrDefault(node);

    /// <summary>True when <paramref name="node"/> is listed.</summary>
    public bool Contains(UniqueAddress node) => _members.ContainsKey(node);

    /// <summary>The incarnation listed at <paramref name="address"/>, or null.</summary>
    public Member? MemberAt(Address address) => _members.Values.FirstOrDefault(m => m.Address.Equals(address));

    /// <summary>Adds <paramref name="member"/> as Joining. Throws if it is listed already or another
    /// incarnation holds its address (remove that one first).</summary>
    public Membership Join(Member member)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (member.Status != MemberStatus.Joining) throw new InvalidOperationException($"{member} must be Joining to join");
        if (_members.ContainsKey(member.UniqueAddress)) throw new InvalidOperationException($"{member.UniqueAddress} is already a member");
        if (MemberAt(member.Address) is { } old)
            throw new InvalidOperationException($"{member.UniqueAddress} cannot join while the incarnation {old.UniqueAddress} is listed; remove it first");
        return new Membership(_members.Add(member.UniqueAddress, member), _unreachable, Version + 1);
    }

    /// <summary>Moves <paramref name="node"/> to <paramref name="to"/> (Akka's transitions only); Removed
    /// takes it off the list and the unreachable set.</summary>
    public Membership ChangeStatus(UniqueAddress node, MemberStatus to)
    {
        var member = Get(node);
        var changed = member.WithStatus(to);
        if (ReferenceEquals(changed, member)) return this;
        return to == MemberStatus.Removed
            ? new Membership(_members.Remove(node), _unreachable.Remove(node), Version + 1)
            : new Membership(_members.Remove(node).Add(node, changed), _unreachable, Version + 1); // SetItem keeps an Equals value, and members are equal by node
    }

    /// <summary>Marks <paramref name="node"/> unreachable (no change if it already is).</summary>
    public Membership MarkUnreachable(UniqueAddress node)
    {
        Get(node);
        return _unreachable.Contains(node) ? this : new Membership(_members, _unreachable.Add(node), Version + 1);
    }

    /// <summary>Marks <paramref name="node"/> reachable again (no change if it was not unreachable).</summary>
    public Membership MarkReachable(UniqueAddress node)
    {
        Get(node);
        return _unreachable.Contains(node) ? new Membership(_members, _unreachable.Remove(node), Version + 1) : this;
    }

    /// <summary>The events that turn <paramref name="before"/> into <paramref name="after"/>: removals, then
    /// status events (a member first seen is reported in its current status), then reachability.</summary>
    public static IReadOnlyList<ClusterEvents.IClusterDomainEvent> Diff(Membership before, Membership after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var events = new List<ClusterEvents.IClusterDomainEvent>();
        foreach (var gone in before.Members.Where(m => !after.Contains(m.UniqueAddress)))
            events.Add(new ClusterEvents.MemberRemoved(new Member(gone.UniqueAddress, MemberStatus.Removed, gone.Roles, gone.Metadata), gone.Status));
        foreach (var member in after.Members)
        {
            if (before[member.UniqueAddress]?.Status == member.Status) continue;
            events.Add(member.Status switch
            {
                MemberStatus.Joining => new ClusterEvents.MemberJoined(member),
                MemberStatus.Up => new ClusterEvents.MemberUp(member),
                MemberStatus.Leaving => new ClusterEvents.MemberLeft(member),
                MemberStatus.Exiting => new ClusterEvents.MemberExited(member),
                _ => new ClusterEvents.MemberDowned(member),
            });
        }
        foreach (var node in after._unreachable.Except(before._unreachable))
            events.Add(new ClusterEvents.UnreachableMember(after.Get(node)));
        foreach (var node in before._unreachable.Except(after._unreachable).Where(after.Contains))
            events.Add(new ClusterEvents.ReachableMember(after.Get(node)));
        return events;
    }

    /// <summary>"Membership(v3: Member(...), ...; unreachable [...])".</summary>
    public override string ToString() =>
        $"Membership(v{Version}: {string.Join(", ", Members)}" + (_unreachable.Count == 0 ? ")" : $"; unreachable [{string.Join(", ", _unreachable)}])");

    private Member Get(UniqueAddress node) =>
        _members.GetValueOrDefault(node) ?? throw new InvalidOperationException($"{node} is not a member");
}
