// A serializer's round trip without a transport: the header goes through its protobuf bytes, refs through
// their path strings, tensors are kept as written.
using Dpt.Actors;
using Dpt.Remoting.Serialization;
using Google.Protobuf;

namespace Dpt.Shared.Tests.Training.Join;

internal sealed class InMemoryWire(Func<string, IActorRef> resolve) : IWireWriter, IWireReader
{
    private byte[]? _header;
    private readonly List<float[]> _tensors = [];

    /// <summary>Writes <paramref name="message"/> with <paramref name="serializer"/> and reads it back through the bytes.</summary>
    public static object RoundTrip(IWireSerializer serializer, object message, Func<string, IActorRef>? resolve = null)
    {
        var wire = new InMemoryWire(resolve ?? (_ => ActorRefs.Nobody));
        serializer.Write(message, wire);
        return serializer.Read(wire);
    }

    /// <summary>The header's size on the wire, after a write.</summary>
    public int HeaderLength => _header?.Length ?? 0;

    public void WriteHeader(IMessage header)
    {
        if (_header is not null) throw new InvalidOperationException("a header was already written");
        _header = header.ToByteArray();
    }

    public void WriteTensor(ReadOnlySpan<float> values)
    {
        if (_header is null) throw new InvalidOperationException("a tensor before the header");
        _tensors.Add(values.ToArray());
    }

    public string ToWire(IActorRef? actorRef) => actorRef is null || actorRef.Equals(ActorRefs.Nobody) ? "" : actorRef.Path.ToSerializationFormat();

    public T ReadHeader<T>(MessageParser<T> parser) where T : IMessage<T> =>
        parser.ParseFrom(_header ?? throw new InvalidDataException("no header"));

    public int TensorCount => _tensors.Count;

    public float[] ReadTensor(int index) => (float[])_tensors[index].Clone();

    public IActorRef FromWire(string path) => path.Length == 0 ? ActorRefs.Nobody : resolve(path);
}
