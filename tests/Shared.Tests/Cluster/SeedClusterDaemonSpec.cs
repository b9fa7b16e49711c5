using System.Collections.Concurrent;
using Dpt.Actors;
using Dpt.Cluster;
using Dpt.TestKit;
using Xunit.Abstractions;
using static Dpt.Cluster.ClusterEvents;
using static Dpt.Cluster.ClusterProtocol;

namespace Dpt.Shared.Tests.Cluster;

public class SeedClusterDaemonSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    private Dpt.Cluster.Cluster StartSeed(ClusterOptions? options = null, Func<Join, string?>? validator = null) =>
        Dpt.Cluster.Cluster.StartSeed(Sys, options ?? Peer.FastOptions, validator, new HashSet<string> { "coordinator" }, null);

    private (IActorRef Peer, TestProbe Probe) NewPeer(UniqueAddress node, bool answering = true)
    {
        var probe = CreateTestProbe();
        return (Sys.ActorOf(Props.Create(() => new Peer(node, probe.Ref, answering))), probe);
    }

    private TestProbe Subscribe(Dpt.Cluster.Cluster cluster)
    {
        var events = CreateTestProbe();
        cluster.Subscribe(events.Ref);
        events.ExpectMsg<CurrentClusterState>();
        return events;
    }

    private (IActorRef Peer, TestProbe Probe) Joined(Dpt.Cluster.Cluster cluster, UniqueAddress node, bool answering = true)
    {
        var (peer, probe) = NewPeer(node, answering);
        peer.Tell(new Peer.Send(cluster.Daemon, Peer.JoinOf(node)));
        probe.ExpectMsg<Welcome>();
        return (peer, probe);
    }

    [Fact]
    public void A_subscriber_must_get_the_current_state_first_with_the_leader_Up()
    {
        var cluster = StartSeed();
        cluster.Subscribe(TestActor);
        var state = ExpectMsg<CurrentClusterState>();
        var leader = Assert.Single(state.Members);
        Assert.Equal((cluster.SelfUniqueAddress, MemberStatus.Up), (leader.UniqueAddress, leader.Status));
        Assert.Equal(cluster.SelfUniqueAddress.Address, state.Leader);
        Assert.True(cluster.WhenUp.IsCompletedSuccessfully);
    }

    [Fact]
    public void An_accepted_Join_must_welcome_the_joiner_publish_MemberJoined_and_MemberUp_and_tell_the_other_members()
    {
        var cluster = StartSeed();
        var events = Subscribe(cluster);
        var (_, first) = Joined(cluster, Peer.Node(1));
        events.ExpectMsg<MemberJoined>(e => e.Member.UniqueAddress == Peer.Node(1));
        Assert.Equal("2", events.ExpectMsg<MemberUp>(e => e.Member.UniqueAddress == Peer.Node(1)).Member.Metadata["cores"]);

        var (peer2, second) = NewPeer(Peer.Node(2));
        peer2.Tell(new Peer.Send(cluster.Daemon, Peer.JoinOf(Peer.Node(2))));
        var welcome = second.ExpectMsg<Welcome>();
        Assert.Equal(cluster.SelfUniqueAddress, welcome.Leader);
        Assert.Equal(3, welcome.Membership.Count);
        Assert.All(welcome.Membership.Members, m => Assert.Equal(MemberStatus.Up, m.Status));
        var pushed = first.ExpectMsg<MembershipChanged>();
        Assert.Equal(MemberStatus.Up, pushed.Membership[Peer.Node(2)]!.Status);
        Assert.Equal(welcome.Membership.Version, pushed.Membership.Version);
    }

    [Fact]
    public void A_retried_Join_of_a_member_must_be_welcomed_again_without_events()
    {
        var cluster = StartSeed();
        var (peer, probe) = Joined(cluster, Peer.Node(1));
        var events = Subscribe(cluster);
        peer.Tell(new Peer.Send(cluster.Daemon, Peer.JoinOf(Peer.Node(1))));
        probe.ExpectMsg<Welcome>();
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_Join_with_another_protocol_version_must_be_refused_with_both_versions_in_the_reason()
    {
        var cluster = StartSeed();
        var (peer, probe) = NewPeer(Peer.Node(1));
        peer.Tell(new Peer.Send(cluster.Daemon, Peer.JoinOf(Peer.Node(1), version: 99)));
        var refused = probe.ExpectMsg<JoinRefused>();
        Assert.Contains("version 99", refused.Reason);
        Assert.Contains($"leader's {ClusterProtocol.CurrentVersion}", refused.Reason);
    }

    [Fact]
    public void A_Join_the_validator_refuses_must_reach_the_joiner_with_the_validators_text()
    {
        var cluster = StartSeed(validator: j => j.Metadata.GetValueOrDefault("cores") == "2" ? "data hash 1a2b differs from the coordinator's 3c4d" : null);
        var events = Subscribe(cluster);
        var (peer, probe) = NewPeer(Peer.Node(1));
        peer.Tell(new Peer.Send(cluster.Daemon, Peer.JoinOf(Peer.Node(1))));
        Assert.Equal("data hash 1a2b differs from the coordinator's 3c4d", probe.ExpectMsg<JoinRefused>().Reason);
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_validator_that_throws_must_refuse_with_its_message()
    {
        var cluster = StartSeed(validator: _ => throw new InvalidOperationException("no model loaded"));
        var (peer, probe) = NewPeer(Peer.Node(1));
        peer.Tell(new Peer.Send(cluster.Daemon, Peer.JoinOf(Peer.Node(1))));
        Assert.Contains("no model loaded", probe.ExpectMsg<JoinRefused>().Reason);
    }

    [Fact]
    public void The_leader_must_know_how_long_ago_each_member_last_answered_a_heartbeat_counting_its_Join_as_the_first()
    {
        // A clock that moves only when told: the times are exact, and no detector sees time pass on its own.
        long now = TimeSpan.FromSeconds(100).Ticks;
        var cluster = Dpt.Cluster.Cluster.StartSeed(Sys, Peer.FastOptions, null, null, null, () => Interlocked.Read(ref now));
        Assert.Null(cluster.SinceHeartbeat(Peer.Node(1).Address));

        Joined(cluster, Peer.Node(1), answering: false);
        Joined(cluster, Peer.Node(2));
        Assert.Equal(TimeSpan.Zero, cluster.SinceHeartbeat(Peer.Node(1).Address));
        Interlocked.Add(ref now, TimeSpan.FromSeconds(3).Ticks);

        Assert.Equal(TimeSpan.FromSeconds(3), cluster.SinceHeartbeat(Peer.Node(1).Address)); // silent since its Join
        AwaitAssert(() => Assert.Equal(TimeSpan.Zero, cluster.SinceHeartbeat(Peer.Node(2).Address)), Generous); // answers at the new time
        Assert.Null(cluster.SinceHeartbeat(Peer.Node(3).Address));
    }

    [Fact]
    public void A_silent_member_must_become_unreachable_then_be_downed_and_removed_and_watchers_of_its_actors_get_Terminated()
    {
        var remoting = new FakeRemoting(Sys.Provider);
        Sys.Provider.UseRemoting(remoting);
        var cluster = StartSeed();
        var events = Subscribe(cluster);
        var node = Peer.Node(1);
        var (_, probe) = Joined(cluster, node, answering: false);
        var worker = Sys.Provider.ResolveActorRef(ActorPath.RootOf(node.Address) / "user" / "worker");
        Watch(worker);

        events.ExpectMsg<MemberJoined>(Generous);
        events.ExpectMsg<MemberUp>(Generous);
        Assert.Equal(node, events.ExpectMsg<UnreachableMember>(Generous).Member.UniqueAddress);
        Assert.Equal(node, events.ExpectMsg<MemberDowned>(Generous).Member.UniqueAddress);
        var removed = events.ExpectMsg<MemberRemoved>(Generous);
        Assert.Equal((node, MemberStatus.Down), (removed.Member.UniqueAddress, removed.PreviousStatus));
        Assert.Equal(new Terminated(worker, ExistenceConfirmed: true, AddressTerminated: true), ExpectMsg<Terminated>(Generous));
        Assert.Contains("unreachable", probe.FishForMessage<Removed>(_ => true, Generous).Reason);
    }

    [Fact]
    public void A_member_whose_heartbeats_resume_before_the_auto_down_must_become_reachable_again()
    {
        var cluster = StartSeed(Peer.FastOptions with { AutoDownUnreachableAfter = TimeSpan.FromSeconds(30) });
        var events = Subscribe(cluster);
        var (peer, _) = Joined(cluster, Peer.Node(1), answering: false);
        events.FishForMessage<UnreachableMember>(m => m.Member.UniqueAddress == Peer.Node(1), Generous);
        peer.Tell(new Peer.Answer(true));
        Assert.Equal(Peer.Node(1), events.ExpectMsg<ReachableMember>(Generous).Member.UniqueAddress);
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_graceful_Leave_must_go_Leaving_Exiting_Removed_and_acknowledge_the_leaver()
    {
        var cluster = StartSeed();
        var (leaver, leaverProbe) = Joined(cluster, Peer.Node(1));
        var (_, stayerProbe) = Joined(cluster, Peer.Node(2));
        leaverProbe.ExpectMsg<MembershipChanged>(); // node 2 joined
        var events = Subscribe(cluster);

        leaver.Tell(new Peer.Send(cluster.Daemon, new Leave(Peer.Node(1))));
        events.ExpectMsg<MemberLeft>(e => e.Member.UniqueAddress == Peer.Node(1));
        events.ExpectMsg<MemberExited>(e => e.Member.UniqueAddress == Peer.Node(1));
        Assert.Equal(MemberStatus.Exiting, events.ExpectMsg<MemberRemoved>().PreviousStatus);
        leaverProbe.FishForMessage<Exited>(e => e.Node == Peer.Node(1));
        Assert.Equal("left the cluster", leaverProbe.FishForMessage<Removed>(_ => true).Reason);
        stayerProbe.FishForMessage<MembershipChanged>(m => !m.Membership.Contains(Peer.Node(1)));

        // A late message from the removed incarnation is answered with Removed.
        leaver.Tell(new Peer.Send(cluster.Daemon, new Heartbeat(Peer.Node(1), 7)));
        Assert.Equal(Peer.Node(1), leaverProbe.FishForMessage<Removed>(_ => true).Node);
    }

    [Fact]
    public void A_restarted_incarnation_must_replace_the_old_one_and_the_old_one_is_told_it_is_removed()
    {
        var cluster = StartSeed();
        var (_, oldProbe) = Joined(cluster, Peer.Node(1, uid: 1));
        var events = Subscribe(cluster);
        var (_, newProbe) = Joined(cluster, Peer.Node(1, uid: 2));

        Assert.Equal(Peer.Node(1, 1), events.ExpectMsg<MemberDowned>().Member.UniqueAddress);
        Assert.Equal(Peer.Node(1, 1), events.ExpectMsg<MemberRemoved>().Member.UniqueAddress);
        events.ExpectMsg<MemberJoined>(e => e.Member.UniqueAddress == Peer.Node(1, 2));
        events.ExpectMsg<MemberUp>(e => e.Member.UniqueAddress == Peer.Node(1, 2));
        Assert.Contains("new incarnation", oldProbe.FishForMessage<Removed>(_ => true).Reason);
        newProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_removed_incarnation_that_joins_again_must_be_refused_and_an_unknown_node_told_it_is_not_a_member()
    {
        var cluster = StartSeed();
        var (peer, probe) = Joined(cluster, Peer.Node(1));
        peer.Tell(new Peer.Send(cluster.Daemon, new Leave(Peer.Node(1))));
        probe.FishForMessage<Removed>(_ => true);
        peer.Tell(new Peer.Send(cluster.Daemon, Peer.JoinOf(Peer.Node(1))));
        Assert.Contains("restart the node", probe.FishForMessage<JoinRefused>(_ => true).Reason);

        var (stranger, strangerProbe) = NewPeer(Peer.Node(9));
        stranger.Tell(new Peer.Send(cluster.Daemon, new HeartbeatResponse(Peer.Node(9), 1)));
        Assert.Equal("not a member of this cluster", strangerProbe.ExpectMsg<Removed>().Reason);
    }

    [Fact]
    public void A_non_member_must_be_told_it_is_removed_every_time_and_the_log_must_say_so_once()
    {
        // A node resumed after SIGSTOP sends every heartbeat it queued while stopped.
        var log = new Dpt.Shared.Tests.Actors.CollectingOutput();
        using var system = ActorSystem.Create("logged", new ActorSystemSettings { LoggerFactory = new TestOutputLoggerFactory(log) });
        var cluster = Dpt.Cluster.Cluster.StartSeed(system, Peer.FastOptions, null, new HashSet<string> { "coordinator" }, null);
        var probe = CreateTestProbe();
        var stranger = system.ActorOf(Props.Create(() => new Peer(Peer.Node(9), probe.Ref, true)));
        for (long sequence = 1; sequence <= 5; sequence++)
            stranger.Tell(new Peer.Send(cluster.Daemon, new HeartbeatResponse(Peer.Node(9), sequence)));
        for (int i = 0; i < 5; i++) Assert.Equal("not a member of this cluster", probe.FishForMessage<Removed>(_ => true, Generous).Reason);
        Assert.Single(log.Lines, l => l.Contains("is not a member", StringComparison.Ordinal));
    }

    [Fact]
    public void The_leader_must_heartbeat_its_members_and_answer_theirs()
    {
        var cluster = StartSeed();
        var probe = CreateTestProbe();
        cluster.Daemon.Tell(Peer.JoinOf(Peer.Node(1)), probe.Ref);
        probe.ExpectMsg<Welcome>();
        Assert.Equal(cluster.SelfUniqueAddress, probe.FishForMessage<Heartbeat>(_ => true).From);
        cluster.Daemon.Tell(new Heartbeat(Peer.Node(1), 42), probe.Ref);
        probe.FishForMessage<HeartbeatResponse>(r => r.Sequence == 42 && r.From == cluster.SelfUniqueAddress);
    }

    /// <summary>A remote layer minus the network: refs at other addresses that swallow what they are sent.</summary>
    private sealed class FakeRemoting(ActorRefProvider provider) : IRemoteActorRefResolver
    {
        public ConcurrentQueue<object> Sent { get; } = new();

        public Address LocalAddress { get; } = Address.Remote("dpt", "10.0.0.1", 4053);

        public IInternalActorRef ResolveRemote(ActorPath path) => new FakeRemoteRef(path, provider, Sent);
    }

    private sealed class FakeRemoteRef(ActorPath path, ActorRefProvider provider, ConcurrentQueue<object> sent) : InternalActorRefBase
    {
        public override ActorPath Path { get; } = path;

        public override bool IsLocal => false;

        public override ActorRefProvider Provider { get; } = provider;

        public override void Tell(object message, IActorRef? sender = null) => sent.Enqueue(message);

        public override void SendSystemMessage(ISystemMessage message) => sent.Enqueue(message);
    }
}
