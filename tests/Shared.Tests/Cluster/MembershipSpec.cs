using Dpt.Actors;
using Dpt.Cluster;
using static Dpt.Cluster.ClusterEvents;

namespace Dpt.Shared.Tests.Cluster;

public class MembershipSpec
{
    private static UniqueAddress Node(int port, long uid = 1) => new(Address.Remote("dpt", "10.0.0.1", port), uid);

    private static Member Joining(UniqueAddress node) => new(node, MemberStatus.Joining, new HashSet<string> { "worker" });

    [Fact]
    public void A_joined_member_moved_up_must_make_MemberJoined_then_MemberUp()
    {
        var a = Node(1);
        var joined = Membership.Empty.Join(Joining(a));
        var up = joined.ChangeStatus(a, MemberStatus.Up);
        Assert.Equal([new MemberJoined(Joining(a))], Membership.Diff(Membership.Empty, joined));
        var e = Assert.IsType<MemberUp>(Assert.Single(Membership.Diff(joined, up)));
        Assert.Equal(MemberStatus.Up, e.Member.Status);
        Assert.Equal(2, up.Version);
    }

    [Fact]
    public void Removal_must_drop_the_member_and_report_its_previous_status()
    {
        var a = Node(1);
        var up = Membership.Empty.Join(Joining(a)).ChangeStatus(a, MemberStatus.Up).MarkUnreachable(a);
        var down = up.ChangeStatus(a, MemberStatus.Down);
        var removed = down.ChangeStatus(a, MemberStatus.Removed);
        Assert.IsType<MemberDowned>(Assert.Single(Membership.Diff(up, down)));
        var e = Assert.IsType<MemberRemoved>(Assert.Single(Membership.Diff(down, removed)));
        Assert.Equal((MemberStatus.Removed, MemberStatus.Down), (e.Member.Status, e.PreviousStatus));
        Assert.False(removed.Contains(a));
        Assert.Empty(removed.Unreachable);
    }

    [Fact]
    public void Reachability_changes_must_make_Unreachable_and_Reachable_events()
    {
        var a = Node(1);
        var up = Membership.Empty.Join(Joining(a)).ChangeStatus(a, MemberStatus.Up);
        var unreachable = up.MarkUnreachable(a);
        Assert.IsType<UnreachableMember>(Assert.Single(Membership.Diff(up, unreachable)));
        Assert.IsType<ReachableMember>(Assert.Single(Membership.Diff(unreachable, unreachable.MarkReachable(a))));
        Assert.Same(unreachable, unreachable.MarkUnreachable(a));
    }

    [Fact]
    public void Transitions_Akka_does_not_allow_must_be_rejected_naming_both_statuses()
    {
        var a = Node(1);
        var up = Membership.Empty.Join(Joining(a)).ChangeStatus(a, MemberStatus.Up);
        var down = up.ChangeStatus(a, MemberStatus.Down);
        var e = Assert.Throws<InvalidOperationException>(() => down.ChangeStatus(a, MemberStatus.Up));
        Assert.Contains("cannot move from Down to Up", e.Message);
        Assert.Throws<InvalidOperationException>(() => up.ChangeStatus(a, MemberStatus.Exiting));
        Assert.Throws<InvalidOperationException>(() => up.ChangeStatus(a, MemberStatus.Joining));
    }

    [Fact]
    public void A_new_incarnation_cannot_join_while_the_old_one_is_listed()
    {
        var old = Node(1, uid: 1);
        var joined = Membership.Empty.Join(Joining(old));
        var e = Assert.Throws<InvalidOperationException>(() => joined.Join(Joining(Node(1, uid: 2))));
        Assert.Contains("remove it first", e.Message);
        Assert.Throws<InvalidOperationException>(() => joined.Join(Joining(old)));
    }

    [Fact]
    public void Random_operations_must_keep_the_invariants_and_the_diff_must_replay_the_changes()
    {
        var random = new Random(20261122);
        var statuses = Enum.GetValues<MemberStatus>();
        var membership = Membership.Empty;
        var tracked = new Dictionary<UniqueAddress, MemberStatus>(); // what the events told so far
        var unreachable = new HashSet<UniqueAddress>();
        long nextUid = 1;
        for (int step = 0; step < 5000; step++)
        {
            var before = membership;
            var members = membership.Members.ToArray();
            try
            {
                switch (random.Next(4))
                {
                    case 0:
                        var node = members.Length > 0 && random.Next(3) == 0
                            ? new UniqueAddress(members[random.Next(members.Length)].Address, nextUid++) // a restart
                            : Node(random.Next(1, 12), nextUid++);
                        membership = membership.Join(Joining(node));
                        break;
                    case 1 when members.Length > 0:
                        membership = membership.ChangeStatus(members[random.Next(members.Length)].UniqueAddress, statuses[random.Next(statuses.Length)]);
                        break;
                    case 2 when members.Length > 0:
                        membership = membership.MarkUnreachable(members[random.Next(members.Length)].UniqueAddress);
                        break;
                    case 3 when members.Length > 0:
                        membership = membership.MarkReachable(members[random.Next(members.Length)].UniqueAddress);
                        break;
                }
            }
            catch (InvalidOperationException)
            {
                Assert.Same(before, membership); // a refused operation changes nothing
            }

            // Invariants: one incarnation per address, unreachable nodes are members, nobody is Removed,
            // the version grows by one per change.
            Assert.Equal(membership.Count, membership.Members.Select(m => m.Address).Distinct().Count());
            Assert.All(membership.Unreachable, u => Assert.True(membership.Contains(u)));
            Assert.DoesNotContain(membership.Members, m => m.Status == MemberStatus.Removed);
            Assert.Equal(ReferenceEquals(before, membership) ? before.Version : before.Version + 1, membership.Version);

            // Replaying the events reproduces the membership.
            foreach (var e in Membership.Diff(before, membership))
            {
                switch (e)
                {
                    case MemberRemoved r:
                        Assert.Equal(tracked[r.Member.UniqueAddress], r.PreviousStatus);
                        tracked.Remove(r.Member.UniqueAddress);
                        unreachable.Remove(r.Member.UniqueAddress);
                        break;
                    case IMemberEvent m:
                        if (tracked.TryGetValue(m.Member.UniqueAddress, out var previous))
                            Assert.True(MemberStatusTransitions.IsAllowed(previous, m.Member.Status), $"{previous} -> {m.Member.Status}");
                        tracked[m.Member.UniqueAddress] = m.Member.Status;
                        break;
                    case UnreachableMember u: Assert.True(unreachable.Add(u.Member.UniqueAddress)); break;
                    case ReachableMember r: Assert.True(unreachable.Remove(r.Member.UniqueAddress)); break;
                }
            }
            Assert.Equal(membership.Members.ToDictionary(m => m.UniqueAddress, m => m.Status), tracked);
            Assert.True(unreachable.SetEquals(membership.Unreachable));
        }
    }

    [Fact]
    public void Create_must_reject_unreachable_strangers_and_duplicate_addresses()
    {
        var a = new Member(Node(1, 1), MemberStatus.Up);
        Assert.Throws<ArgumentException>(() => Membership.Create([a], [Node(2)], 1));
        Assert.Throws<ArgumentException>(() => Membership.Create([a, new Member(Node(1, 2), MemberStatus.Up)], [], 1));
        Assert.Equal(3, Membership.Create([a], [a.UniqueAddress], 3).Version);
    }
}
