using Dpt.Actors;
using Dpt.Cluster;
using Dpt.Cluster.Serialization;
using Dpt.Remoting.Serialization;
using Google.Protobuf;
using static Dpt.Cluster.ClusterProtocol;

namespace Dpt.Shared.Tests.Cluster;

public class ClusterSerializersSpec
{
    private static readonly UniqueAddress A = new(Address.Remote("dpt", "10.0.0.1", 4053), -42);
    private static readonly UniqueAddress B = new(Address.Remote("dpt", "[::1]", 4054), long.MaxValue);

    private static readonly Membership SomeMembership = Membership.Create(
        [new Member(A, MemberStatus.Up, new HashSet<string> { "coordinator" }),
         new Member(B, MemberStatus.Leaving, new HashSet<string> { "worker", "gpu" }, new Dictionary<string, string> { ["cores"] = "2", ["data"] = "1a2b" })],
        [B], 17);

    private static IWireSerializer For(Type type) => ClusterSerializers.All.Single(s => s.MessageType == type);

    private static T RoundTrip<T>(T message) where T : class
    {
        var wire = new InMemoryWire();
        For(typeof(T)).Write(message, wire);
        Assert.Equal(0, wire.TensorCount);
        return Assert.IsType<T>(For(typeof(T)).Read(InMemoryWire.Received(wire.HeaderBytes)));
    }

    private static void AssertSame(Membership expected, Membership actual)
    {
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Unreachable.Order(), actual.Unreachable.Order());
        Assert.Equal(expected.Members.Select(Describe), actual.Members.Select(Describe));
    }

    private static string Describe(Member m) =>
        $"{m.UniqueAddress} {m.Status} [{string.Join(",", m.Roles.Order())}] {{{string.Join(",", m.Metadata.OrderBy(kv => kv.Key).Select(kv => kv.Key + "=" + kv.Value))}}}";

    [Fact]
    public void Every_cluster_message_must_have_one_control_lane_serializer_with_an_id_in_20_to_49()
    {
        var messageTypes = typeof(ClusterProtocol).GetNestedTypes().Where(t => t.IsClass && !t.IsAbstract).ToHashSet();
        Assert.Equal(messageTypes, ClusterSerializers.All.Select(s => s.MessageType).ToHashSet());
        Assert.All(ClusterSerializers.All, s => Assert.InRange(s.Id, 20, 49));
        Assert.All(ClusterSerializers.All, s => Assert.Equal(MessageLane.Control, s.Lane));
        Assert.Equal(ClusterSerializers.All.Count, ClusterSerializers.All.Select(s => s.Id).Distinct().Count());
    }

    [Fact]
    public void Join_must_round_trip_with_roles_and_metadata()
    {
        var join = RoundTrip(new Join(A, 3, new HashSet<string> { "worker" }, new Dictionary<string, string> { ["model"] = "784-128-10" }));
        Assert.Equal((A, 3), (join.Node, join.ProtocolVersion));
        Assert.Equal(["worker"], join.Roles);
        Assert.Equal("784-128-10", join.Metadata["model"]);
    }

    [Fact]
    public void Welcome_and_MembershipChanged_must_round_trip_the_whole_membership()
    {
        var welcome = RoundTrip(new Welcome(A, SomeMembership));
        Assert.Equal(A, welcome.Leader);
        AssertSame(SomeMembership, welcome.Membership);
        AssertSame(SomeMembership, RoundTrip(new MembershipChanged(SomeMembership)).Membership);
    }

    [Fact]
    public void The_small_messages_must_round_trip()
    {
        Assert.Equal(new JoinRefused("data hash differs"), RoundTrip(new JoinRefused("data hash differs")));
        Assert.Equal(new Leave(B), RoundTrip(new Leave(B)));
        Assert.Equal(new Exited(B), RoundTrip(new Exited(B)));
        Assert.Equal(new Removed(B, "left the cluster"), RoundTrip(new Removed(B, "left the cluster")));
        Assert.Equal(new Heartbeat(A, long.MaxValue), RoundTrip(new Heartbeat(A, long.MaxValue)));
        Assert.Equal(new HeartbeatResponse(B, 0), RoundTrip(new HeartbeatResponse(B, 0)));
    }

    [Fact]
    public void A_header_that_does_not_make_a_valid_message_must_be_rejected_with_InvalidDataException()
    {
        var missingNode = new Dpt.Cluster.Serialization.Proto.NodeProto().ToByteArray();
        var e = Assert.Throws<InvalidDataException>(() => For(typeof(Leave)).Read(InMemoryWire.Received(missingNode)));
        Assert.Contains("node is missing", e.Message);

        var badAddress = new Dpt.Cluster.Serialization.Proto.HeartbeatProto { From = new() { Address = "not an address", Uid = 1 } }.ToByteArray();
        Assert.Throws<InvalidDataException>(() => For(typeof(Heartbeat)).Read(InMemoryWire.Received(badAddress)));

        var emptyReason = new Dpt.Cluster.Serialization.Proto.JoinRefusedProto().ToByteArray();
        Assert.Throws<InvalidDataException>(() => For(typeof(JoinRefused)).Read(InMemoryWire.Received(emptyReason)));

        var strangerUnreachable = new Dpt.Cluster.Serialization.Proto.MembershipChangedProto
        {
            Membership = new() { Version = 1, Unreachable = { new Dpt.Cluster.Serialization.Proto.UniqueAddressProto { Address = "dpt://dpt@h:1", Uid = 1 } } },
        }.ToByteArray();
        Assert.Throws<InvalidDataException>(() => For(typeof(MembershipChanged)).Read(InMemoryWire.Received(strangerUnreachable)));
    }
}
