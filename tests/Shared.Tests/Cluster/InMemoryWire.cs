// A wire without a network for serializer specs: the writer keeps the header's bytes and the tensors,
// the reader parses them back, as the transport would on the other side.
using Dpt.Actors;
using Dpt.Remoting.Serialization;
using Google.Protobuf;

namespace Dpt.Shared.Tests.Cluster;

internal sealed class InMemoryWire : IWireWriter, IWireReader
{
    private readonly List<float[]> _tensors = [];
    private byte[]? _header;

    public byte[] HeaderBytes => _header ?? throw new InvalidOperationException("no header was written");

    public void WriteHeader(IMessage header)
    {
        if (_header is not null) throw new InvalidOperationException("the header was written twice");
        if (_tensors.Count > 0) throw new InvalidOperationException("the header must come before the tensors");
        _header = header.ToByteArray();
    }

    public void WriteTensor(ReadOnlySpan<float> values) => _tensors.Add(values.ToArray());

    public string ToWire(IActorRef? actorRef) => actorRef?.Path.ToSerializationFormat() ?? "";

    public T ReadHeader<T>(MessageParser<T> parser) where T : IMessage<T> => parser.ParseFrom(HeaderBytes);

    public int TensorCount => _tensors.Count;

    public float[] ReadTensor(int index) => (float[])_tensors[index].Clone();

    public IActorRef FromWire(string path) => path.Length == 0 ? ActorRefs.Nobody : throw new InvalidDataException("no actor system behind this fake");

    /// <summary>A wire holding <paramref name="header"/> bytes as if they had been received.</summary>
    public static InMemoryWire Received(byte[] header) => new() { _header = header };
}
