// The contract between the remote transport and the code that knows a message type: a serializer turns
// one message type into a Protocol Buffers header plus any number of raw float32 tensors, and back.
// Tensors travel as little-endian bytes after the header, never as repeated protobuf fields: the writer
// copies a span straight into the connection's send buffer, the reader copies straight out of the
// receive buffer into a float[] (one copy each way, no per-element encoding).
using Dpt.Actors;
using Google.Protobuf;

namespace Dpt.Remoting.Serialization;

/// <summary>Which send queue a message takes. Control messages (heartbeats, membership, small commands)
/// go out ahead of the remaining fragments of bulk messages (gradients, parameters, data chunks), so a
/// large transfer never delays a heartbeat by more than one fragment.</summary>
public enum MessageLane { Control, Bulk }

/// <summary>Writes and reads one message type on the wire; registered with a <c>SerializerRegistry</c>.</summary>
public interface IWireSerializer
{
    /// <summary>Names the serializer on the wire: unique in a registry and stable across releases (ids
    /// 1-99 belong to the remoting and cluster layers, 100 and up to training).</summary>
    int Id { get; }

    /// <summary>The exact message type this serializer handles.</summary>
    Type MessageType { get; }

    /// <summary>The send queue for messages of this type.</summary>
    MessageLane Lane { get; }

    /// <summary>Writes <paramref name="message"/>: exactly one header, then its tensors in order.</summary>
    void Write(object message, IWireWriter writer);

    /// <summary>Reads a message written by <see cref="Write"/>. Throws <see cref="InvalidDataException"/> (or
    /// a protobuf parse exception) for a payload that does not make a valid message; the transport then
    /// drops the message and logs why, and the connection stays up.</summary>
    object Read(IWireReader reader);
}

/// <summary>What a serializer writes one message into.</summary>
public interface IWireWriter
{
    /// <summary>Writes the message's fields (call once, before any tensor).</summary>
    void WriteHeader(IMessage header);

    /// <summary>Appends a tensor as raw little-endian float32.</summary>
    void WriteTensor(ReadOnlySpan<float> values);

    /// <summary>The wire form of a ref held in a message ("" for none): its path with this node's
    /// address and its uid, as the peer resolves it back.</summary>
    string ToWire(IActorRef? actorRef);
}

/// <summary>What a serializer reads one message from.</summary>
public interface IWireReader
{
    /// <summary>Parses the message's header.</summary>
    T ReadHeader<T>(MessageParser<T> parser) where T : IMessage<T>;

    /// <summary>How many tensors follow the header.</summary>
    int TensorCount { get; }

    /// <summary>Tensor <paramref name="index"/> (0-based) in an array of its length: a <see cref="ReceiveBuffers"/> lease,
    /// which the message's consumer may return once it no longer reads it.</summary>
    float[] ReadTensor(int index);

    /// <summary>The ref a <see cref="IWireWriter.ToWire"/> string names (resolved through the actor system,
    /// so a path of this node comes back as the local actor); <see cref="ActorRefs.Nobody"/> for "".
    /// Throws <see cref="InvalidDataException"/> for a string that is not an actor path.</summary>
    IActorRef FromWire(string path);
}
