using Dpt.Actors;
using Dpt.Cluster;
using Dpt.TestKit;
using Xunit.Abstractions;
using static Dpt.Cluster.ClusterEvents;
using static Dpt.Cluster.ClusterProtocol;

namespace Dpt.Shared.Tests.Cluster;

public class MemberClusterDaemonSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);
    private static readonly UniqueAddress Leader = new(Address.Remote("dpt", "10.0.0.1", 4053), 77);

    private (IActorRef Seed, TestProbe Probe) NewSeed(bool answering = true)
    {
        var probe = CreateTestProbe();
        return (Sys.ActorOf(Props.Create(() => new Peer(Leader, probe.Ref, answering))), probe);
    }

    private Dpt.Cluster.Cluster StartMember(IActorRef seed, ClusterOptions? options = null) =>
        Dpt.Cluster.Cluster.StartMember(Sys, seed, options ?? Peer.FastOptions, new HashSet<string> { "worker" }, null, clock: null);

    private static Membership MembershipWith(UniqueAddress self, long version, MemberStatus selfStatus = MemberStatus.Up) =>
        Membership.Create([new Member(Leader, MemberStatus.Up), new Member(self, selfStatus)], [], version);

    /// <summary>Starts a member, answers its Join with a Welcome, and returns it Up.</summary>
    private (Dpt.Cluster.Cluster Cluster, IActorRef Seed, TestProbe SeedProbe) Welcomed(bool seedAnswering = true, ClusterOptions? options = null)
    {
        var (seed, seedProbe) = NewSeed(seedAnswering);
        var cluster = StartMember(seed, options);
        var join = seedProbe.ExpectMsg<Join>();
        Assert.Equal(cluster.SelfUniqueAddress, join.Node);
        seed.Tell(new Peer.Send(cluster.Daemon, new Welcome(Leader, MembershipWith(join.Node, 5))));
        Outcome(cluster.WhenUp);
        return (cluster, seed, seedProbe);
    }

    /// <summary>The task's result, failing the test if it takes longer than <see cref="Generous"/>.</summary>
    private static T Outcome<T>(Task<T> task) =>
        task.Wait(Generous) ? task.Result : throw new Xunit.Sdk.XunitException($"the task did not complete within {Generous.TotalSeconds} s");

    [Fact]
    public void A_member_must_retry_Join_until_welcomed_and_then_publish_the_membership()
    {
        var (seed, seedProbe) = NewSeed();
        var cluster = StartMember(seed);
        cluster.Subscribe(TestActor);
        Assert.Empty(ExpectMsg<CurrentClusterState>().Members);
        var first = seedProbe.ExpectMsg<Join>();
        var second = seedProbe.ExpectMsg<Join>(Generous);
        Assert.Equal((cluster.SelfUniqueAddress, ClusterProtocol.CurrentVersion), (second.Node, second.ProtocolVersion));
        Assert.Contains("worker", first.Roles);

        seed.Tell(new Peer.Send(cluster.Daemon, new Welcome(Leader, MembershipWith(cluster.SelfUniqueAddress, 5))));
        Assert.Equal(cluster.SelfUniqueAddress, Outcome(cluster.WhenUp).UniqueAddress);
        var ups = new[] { ExpectMsg<MemberUp>(), ExpectMsg<MemberUp>() };
        Assert.Contains(ups, u => u.Member.UniqueAddress == Leader);
        Assert.Contains(ups, u => u.Member.UniqueAddress == cluster.SelfUniqueAddress);
    }

    [Fact]
    public void A_member_that_gets_no_answer_must_give_up_after_the_join_timeout()
    {
        var (seed, _) = NewSeed();
        var cluster = StartMember(seed, Peer.FastOptions with { JoinTimeout = TimeSpan.FromMilliseconds(300) });
        var removed = Outcome(cluster.WhenRemoved);
        Assert.Equal(SelfRemovedCause.JoinTimedOut, removed.Cause);
        Assert.Contains("within 300 ms", removed.Reason);
        Assert.False(cluster.WhenUp.IsCompleted);
    }

    [Fact]
    public void A_refused_member_must_learn_the_leaders_reason()
    {
        var (seed, seedProbe) = NewSeed();
        var cluster = StartMember(seed);
        seedProbe.ExpectMsg<Join>();
        seed.Tell(new Peer.Send(cluster.Daemon, new JoinRefused("model layers 784-128-10 differ from the coordinator's 784-256-10")));
        var removed = Outcome(cluster.WhenRemoved);
        Assert.Equal(SelfRemovedCause.JoinRefused, removed.Cause);
        Assert.Contains("784-256-10", removed.Reason);
    }

    [Fact]
    public void A_member_must_answer_the_leaders_heartbeats_and_send_its_own()
    {
        var (cluster, _, _) = Welcomed();
        var probe = CreateTestProbe();
        cluster.Daemon.Tell(new Heartbeat(Leader, 9), probe.Ref);
        Assert.Equal(new HeartbeatResponse(cluster.SelfUniqueAddress, 9), probe.ExpectMsg<HeartbeatResponse>());
    }

    [Fact]
    public void A_member_must_adopt_newer_memberships_and_ignore_older_ones()
    {
        var (cluster, seed, _) = Welcomed();
        cluster.Subscribe(TestActor);
        ExpectMsg<CurrentClusterState>();
        var other = Peer.Node(2);
        var newer = Membership.Create([new Member(Leader, MemberStatus.Up), new Member(cluster.SelfUniqueAddress, MemberStatus.Up), new Member(other, MemberStatus.Up)], [other], 7);
        seed.Tell(new Peer.Send(cluster.Daemon, new MembershipChanged(MembershipWith(cluster.SelfUniqueAddress, 4, MemberStatus.Leaving))));
        seed.Tell(new Peer.Send(cluster.Daemon, new MembershipChanged(newer)));
        Assert.Equal(other, ExpectMsg<MemberUp>().Member.UniqueAddress);
        Assert.Equal(other, ExpectMsg<UnreachableMember>().Member.UniqueAddress);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_member_must_detect_a_silent_leader_and_give_up_on_it()
    {
        var (cluster, _, _) = Welcomed(seedAnswering: false);
        cluster.Subscribe(TestActor);
        ExpectMsg<CurrentClusterState>();
        Assert.Equal(Leader, FishForMessage<UnreachableMember>(_ => true, Generous).Member.UniqueAddress);
        var removed = FishForMessage<SelfRemoved>(_ => true, Generous);
        Assert.Equal(SelfRemovedCause.LeaderLost, removed.Cause);
        Assert.Equal(removed, Outcome(cluster.WhenRemoved));
    }

    [Fact]
    public void A_graceful_leave_must_complete_when_the_leader_says_Removed()
    {
        var (cluster, seed, seedProbe) = Welcomed();
        cluster.Subscribe(TestActor);
        ExpectMsg<CurrentClusterState>();
        var leaving = cluster.LeaveAsync();
        Assert.Equal(cluster.SelfUniqueAddress, seedProbe.FishForMessage<Leave>(_ => true).Node);
        Assert.False(leaving.IsCompleted);
        seed.Tell(new Peer.Send(cluster.Daemon, new Exited(cluster.SelfUniqueAddress)));
        seed.Tell(new Peer.Send(cluster.Daemon, new MembershipChanged(MembershipWith(cluster.SelfUniqueAddress, 6, MemberStatus.Exiting))));
        seed.Tell(new Peer.Send(cluster.Daemon, new Removed(cluster.SelfUniqueAddress, "left the cluster")));
        Assert.Equal(SelfRemovedCause.Left, Outcome(leaving).Cause);
        ExpectMsg<MemberExited>();
        Assert.Equal(MemberStatus.Exiting, ExpectMsg<MemberRemoved>().PreviousStatus);
        ExpectMsg<SelfRemoved>();
    }

    [Fact]
    public void A_leave_the_leader_never_acknowledges_must_time_out()
    {
        var (cluster, _, seedProbe) = Welcomed(options: Peer.FastOptions with { LeaveTimeout = TimeSpan.FromMilliseconds(200) });
        var leaving = cluster.LeaveAsync();
        seedProbe.FishForMessage<Leave>(_ => true);
        seedProbe.FishForMessage<Leave>(_ => true, Generous); // retried
        Assert.Equal(SelfRemovedCause.LeaveTimedOut, Outcome(leaving).Cause);
    }

    [Fact]
    public void A_member_the_leader_removes_must_learn_it_with_the_reason()
    {
        var (cluster, seed, _) = Welcomed();
        seed.Tell(new Peer.Send(cluster.Daemon, new Removed(new UniqueAddress(cluster.SelfUniqueAddress.Address, 12345), "another incarnation")));
        seed.Tell(new Peer.Send(cluster.Daemon, new Removed(cluster.SelfUniqueAddress, "downed: unreachable for more than 300 ms")));
        var removed = Outcome(cluster.WhenRemoved);
        Assert.Equal(SelfRemovedCause.RemovedByLeader, removed.Cause);
        Assert.Contains("downed", removed.Reason);
    }

    [Fact]
    public void A_second_cluster_on_the_same_system_must_be_refused()
    {
        var (seed, _) = NewSeed();
        StartMember(seed);
        Assert.Same(Dpt.Cluster.Cluster.Get(Sys), Dpt.Cluster.Cluster.Get(Sys));
        Assert.Throws<InvalidOperationException>(() => StartMember(seed));
        Assert.Equal("/system/cluster", Dpt.Cluster.Cluster.Get(Sys).Daemon.Path.ToStringWithoutAddress());
    }
}
