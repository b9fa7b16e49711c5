// A cluster member: which node (address plus the uid of one incarnation), its place in the
// membership life cycle (Akka's statuses and allowed transitions), its roles and metadata.
using System.Collections.Frozen;
using System.Globalization;
using Dpt.Actors;

namespace Dpt.Cluster;

/// <summary>One incarnation of a node: a node restarted at the same host and port draws a new uid and
/// is a new member.</summary>
public sealed record UniqueAddress(Address Address, long Uid) : IComparable<UniqueAddress>
{
    /// <summary>The address must not be null.</summary>
    public Address Address { get; } = Address ?? throw new ArgumentNullException(nameof(Address));

    /// <summary>A fresh incarnation of <paramref name="address"/> with a random non-zero uid.</summary>
    public static UniqueAddress NewIncarnation(Address address)
    {
        long uid;
        do uid = Random.Shared.NextInt64(long.MinValue, long.MaxValue); while (uid == 0);
        return new UniqueAddress(address, uid);
    }

    /// <summary>Orders by address text, then uid.</summary>
    public int CompareTo(UniqueAddress? other) =>
        other is null ? 1
        : string.CompareOrdinal(Address.ToString(), other.Address.ToString()) is var c and not 0 ? c
        : Uid.CompareTo(other.Uid);

    /// <summary>"dpt://dpt@host:4053#uid".</summary>
    public override string ToString() => Address + "#" + Uid.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Where a member is in its life cycle (Akka's statuses without WeaklyUp).</summary>
public enum MemberStatus
{
    /// <summary>Admitted by the leader, not yet up.</summary>
    Joining,
    /// <summary>A full member.</summary>
    Up,
    /// <summary>Asked to leave gracefully.</summary>
    Leaving,
    /// <summary>Leaving, handed over; about to be removed.</summary>
    Exiting,
    /// <summary>Declared dead by the leader (unreachable too long); about to be removed.</summary>
    Down,
    /// <summary>No longer a member (the final status; removed members leave the member list).</summary>
    Removed,
}

/// <summary>Akka's allowed status transitions.</summary>
public static class MemberStatusTransitions
{
    private static readonly FrozenDictionary<MemberStatus, MemberStatus[]> s_allowed = new Dictionary<MemberStatus, MemberStatus[]>
    {
        [MemberStatus.Joining] = [MemberStatus.Up, MemberStatus.Leaving, MemberStatus.Down, MemberStatus.Removed],
        [MemberStatus.Up] = [MemberStatus.Leaving, MemberStatus.Down, MemberStatus.Removed],
        [MemberStatus.Leaving] = [MemberStatus.Exiting, MemberStatus.Down, MemberStatus.Removed],
        [MemberStatus.Exiting] = [MemberStatus.Removed, MemberStatus.Down],
        [MemberStatus.Down] = [MemberStatus.Removed],
        [MemberStatus.Removed] = [],
    }.ToFrozenDictionary();

    /// <summary>The statuses a member in <paramref name="from"/> may move to.</summary>
    public static IReadOnlyList<MemberStatus> From(MemberStatus from) => s_allowed[from];

    /// <summary>True when <paramref name="from"/> → <paramref name="to"/> is allowed.</summary>
    public static bool IsAllowed(MemberStatus from, MemberStatus to) => s_allowed[from].Contains(to);
}

/// <summary>A member of the cluster. Equal by <see cref="UniqueAddress"/> only, as in Akka: the same
/// member in another status is the same member.</summary>
public sealed class Member : IEquatable<Member>
{
    private static readonly IReadOnlySet<string> s_noRoles = FrozenSet<string>.Empty;
    private static readonly IReadOnlyDictionary<string, string> s_noMetadata = FrozenDictionary<string, string>.Empty;

    /// <summary>Creates a member; roles and metadata default to empty.</summary>
    public Member(UniqueAddress uniqueAddress, MemberStatus status, IReadOnlySet<string>? roles = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(uniqueAddress);
        if (!Enum.IsDefined(status)) throw new ArgumentOutOfRangeException(nameof(status), status, "not a member status");
        UniqueAddress = uniqueAddress;
        Status = status;
        Roles = roles is null || roles.Count == 0 ? s_noRoles : roles.ToFrozenSet(StringComparer.Ordinal);
        Metadata = metadata is null || metadata.Count == 0 ? s_noMetadata : metadata.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The node and incarnation.</summary>
    public UniqueAddress UniqueAddress { get; }

    /// <summary>The node's address.</summary>
    public Address Address => UniqueAddress.Address;

    /// <summary>Where the member is in its life cycle.</summary>
    public MemberStatus Status { get; }

    /// <summary>What the node does ("coordinator", "worker"), as it declared when joining.</summary>
    public IReadOnlySet<string> Roles { get; }

    /// <summary>Free-form facts the node declared when joining (e.g. cores, data hash).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>True when the member declared <paramref name="role"/>.</summary>
    public bool HasRole(string role) => Roles.Contains(role);

    /// <summary>This member in <paramref name="to"/>; throws <see cref="InvalidOperationException"/> naming
    /// the member and both statuses when Akka's transitions do not allow it.</summary>
    public Member WithStatus(MemberStatus to)
    {
        if (to == Status) return this;
        if (!MemberStatusTransitions.IsAllowed(Status, to))
            throw new InvalidOperationException(
                $"member {UniqueAddress} cannot move from {Status} to {to}; from {Status} it may move to [{string.Join(", ", MemberStatusTransitions.From(Status))}]");
        return new Member(UniqueAddress, to, Roles, Metadata);
    }

    public bool Equals(Member? other) => other is not null && UniqueAddress.Equals(other.UniqueAddress);

    public override bool Equals(object? obj) => Equals(obj as Member);

    public override int GetHashCode() => UniqueAddress.GetHashCode();

    /// <summary>"Member(dpt://dpt@host:4053#uid, Up, roles=[worker])".</summary>
    public override string ToString() =>
        Roles.Count == 0 ? $"Member({UniqueAddress}, {Status})" : $"Member({UniqueAddress}, {Status}, roles=[{string.Join(",", Roles.Order(StringComparer.Ordinal))}])";
}
