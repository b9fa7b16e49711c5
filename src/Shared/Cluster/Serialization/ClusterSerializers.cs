// Wire serializers for every cluster message that crosses the network (ids 20-28, all on the Control
// lane so a heartbeat never waits behind a gradient). Headers are the messages of cluster.proto; no
// tensors. Reading checks what the types' constructors check and throws InvalidDataException naming
// the bad field.
using Dpt.Actors;
using Dpt.Cluster.Serialization.Proto;
using Dpt.Remoting.Serialization;
using Google.Protobuf;
using static Dpt.Cluster.ClusterProtocol;

namespace Dpt.Cluster.Serialization;

/// <summary>The cluster's serializers; register each with the transport's SerializerRegistry.</summary>
public static class ClusterSerializers
{
    /// <summary>One instance of each serializer, ids 20-28.</summary>
    public static IReadOnlyList<IWireSerializer> All { get; } =
    [
        new ProtoSerializer<Join, JoinProto>(20, JoinProto.Parser,
            m => new JoinProto { Node = ToProto(m.Node), ProtocolVersion = m.ProtocolVersion, Roles = { m.Roles }, Metadata = { m.Metadata.ToDictionary() } },
            p => new Join(FromProto(p.Node, "node"), p.ProtocolVersion, p.Roles.ToHashSet(StringComparer.Ordinal), new Dictionary<string, string>(p.Metadata))),
        new ProtoSerializer<Welcome, WelcomeProto>(21, WelcomeProto.Parser,
            m => new WelcomeProto { Leader = ToProto(m.Leader), Membership = ToProto(m.Membership) },
            p => new Welcome(FromProto(p.Leader, "leader"), FromProto(p.Membership))),
        new ProtoSerializer<JoinRefused, JoinRefusedProto>(22, JoinRefusedProto.Parser,
            m => new JoinRefusedProto { Reason = m.Reason },
            p => Checked(() => new JoinRefused(p.Reason))),
        new ProtoSerializer<Leave, NodeProto>(23, NodeProto.Parser,
            m => new NodeProto { Node = ToProto(m.Node) },
            p => new Leave(FromProto(p.Node, "node"))),
        new ProtoSerializer<Exited, NodeProto>(24, NodeProto.Parser,
            m => new NodeProto { Node = ToProto(m.Node) },
            p => new Exited(FromProto(p.Node, "node"))),
        new ProtoSerializer<Removed, RemovedProto>(25, RemovedProto.Parser,
            m => new RemovedProto { Node = ToProto(m.Node), Reason = m.Reason },
            p => new Removed(FromProto(p.Node, "node"), p.Reason)),
        new ProtoSerializer<Heartbeat, HeartbeatProto>(26, HeartbeatProto.Parser,
            m => new HeartbeatProto { From = ToProto(m.From), Sequence = m.Sequence },
            p => new Heartbeat(FromProto(p.From, "from"), p.Sequence)),
        new ProtoSerializer<HeartbeatResponse, HeartbeatProto>(27, HeartbeatProto.Parser,
            m => new HeartbeatProto { From = ToProto(m.From), Sequence = m.Sequence },
            p => new HeartbeatResponse(FromProto(p.From, "from"), p.Sequence)),
        new ProtoSerializer<MembershipChanged, MembershipChangedProto>(28, MembershipChangedProto.Parser,
            m => new MembershipChangedProto { Membership = ToProto(m.Membership) },
            p => new MembershipChanged(FromProto(p.Membership))),
    ];

    private static UniqueAddressProto ToProto(UniqueAddress node) => new() { Address = node.Address.ToString(), Uid = node.Uid };

    private static UniqueAddress FromProto(UniqueAddressProto? proto, string field)
    {
        if (proto is null) throw new InvalidDataException($"{field} is missing");
        if (!Address.TryParse(proto.Address, out var address)) throw new InvalidDataException($"{field} address [{proto.Address}] is not an address");
        return new UniqueAddress(address, proto.Uid);
    }

    private static MembershipProto ToProto(Membership membership)
    {
        var proto = new MembershipProto { Version = membership.Version };
        foreach (var member in membership.Members)
            proto.Members.Add(new MemberProto { Node = ToProto(member.UniqueAddress), Status = (int)member.Status, Roles = { member.Roles }, Metadata = { member.Metadata.ToDictionary() } });
        foreach (var node in membership.Unreachable) proto.Unreachable.Add(ToProto(node));
        return proto;
    }

    private static Membership FromProto(MembershipProto? proto)
    {
        if (proto is null) throw new InvalidDataException("membership is missing");
        var members = proto.Members.Select(m =>
        {
            if (!Enum.IsDefined((MemberStatus)m.Status)) throw new InvalidDataException($"member status {m.Status} is not a MemberStatus");
            return new Member(FromProto(m.Node, "member node"), (MemberStatus)m.Status, m.Roles.ToHashSet(StringComparer.Ordinal), new Dictionary<string, string>(m.Metadata));
        }).ToArray();
        var unreachable = proto.Unreachable.Select(u => FromProto(u, "unreachable node")).ToArray();
        return Checked(() => Membership.Create(members, unreachable, proto.Version));
    }

    /// <summary>Turns a constructor's ArgumentException into the InvalidDataException the transport expects.</summary>
    private static T Checked<T>(Func<T> create)
    {
        try
        {
            return create();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    /// <summary>A serializer whose message is exactly one protobuf header.</summary>
    private sealed class ProtoSerializer<TMessage, TProto>(int id, MessageParser<TProto> parser, Func<TMessage, TProto> toProto, Func<TProto, TMessage> fromProto)
        : IWireSerializer
        where TMessage : class
        where TProto : IMessage<TProto>
    {
        public int Id => id;

        public Type MessageType => typeof(TMessage);

        public MessageLane Lane => MessageLane.Control;

        public void Write(object message, IWireWriter writer) => writer.WriteHeader(toProto((TMessage)message));

        public object Read(IWireReader reader)
        {
            if (reader.TensorCount != 0) throw new InvalidDataException($"{typeof(TMessage).Name} carries no tensors, but {reader.TensorCount} came");
            try
            {
                return fromProto(reader.ReadHeader(parser));
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{typeof(TMessage).Name}: {e.Message}", e);
            }
        }

        public override string ToString() => $"{typeof(TMessage).Name} serializer (id {id})";
    }
}
