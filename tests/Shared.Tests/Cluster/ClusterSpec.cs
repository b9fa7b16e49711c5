using Dpt.Actors;
using Dpt.Cluster;
using Xunit.Abstractions;
using static Dpt.Cluster.ClusterEvents;

namespace Dpt.Shared.Tests.Cluster;

/// <summary>The seed and member daemons against each other: two actor systems in one process, the
/// member given the seed daemon's ref in place of a remote one.</summary>
public class ClusterSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    private static T Outcome<T>(Task<T> task) =>
        task.Wait(Generous) ? task.Result : throw new Xunit.Sdk.XunitException($"the task did not complete within {Generous.TotalSeconds} s");

    [Fact]
    public void A_worker_must_join_the_coordinator_leave_gracefully_and_a_second_one_dying_must_be_downed()
    {
        var seed = Dpt.Cluster.Cluster.StartSeed(Sys, Peer.FastOptions, j => j.Roles.Contains("worker") ? null : "only workers may join");
        seed.Subscribe(TestActor, typeof(IMemberEvent));
        ExpectMsg<CurrentClusterState>();

        using var leaver = ActorSystem.Create("worker-1");
        var leaving = Dpt.Cluster.Cluster.StartMember(leaver, seed.Daemon, Peer.FastOptions, new HashSet<string> { "worker" }, null, clock: null);
        Assert.Equal(MemberStatus.Up, Outcome(leaving.WhenUp).Status);
        FishForMessage<MemberUp>(e => e.Member.UniqueAddress == leaving.SelfUniqueAddress);

        using var dying = ActorSystem.Create("worker-2");
        var dies = Dpt.Cluster.Cluster.StartMember(dying, seed.Daemon, Peer.FastOptions, new HashSet<string> { "worker" }, null, clock: null);
        Outcome(dies.WhenUp);
        FishForMessage<MemberUp>(e => e.Member.UniqueAddress == dies.SelfUniqueAddress);

        Assert.Equal(SelfRemovedCause.Left, Outcome(leaving.LeaveAsync()).Cause);
        FishForMessage<MemberRemoved>(e => e.Member.UniqueAddress == leaving.SelfUniqueAddress && e.PreviousStatus == MemberStatus.Exiting);

        dying.Dispose();
        var removed = FishForMessage<MemberRemoved>(e => e.Member.UniqueAddress == dies.SelfUniqueAddress, Generous);
        Assert.Equal(MemberStatus.Down, removed.PreviousStatus);
    }

    [Fact]
    public void A_worker_refused_by_the_validator_must_learn_why()
    {
        var seed = Dpt.Cluster.Cluster.StartSeed(Sys, Peer.FastOptions, j => j.Roles.Contains("worker") ? null : "only workers may join");
        using var other = ActorSystem.Create("observer");
        var member = Dpt.Cluster.Cluster.StartMember(other, seed.Daemon, Peer.FastOptions, new HashSet<string> { "observer" }, null, clock: null);
        var removed = Outcome(member.WhenRemoved);
        Assert.Equal((SelfRemovedCause.JoinRefused, "the leader refused the join: only workers may join"), (removed.Cause, removed.Reason));
    }
}
