// A transport stand-in for serializer tests: what a serializer writes (header bytes, tensors as little-endian
// bytes, refs as strings) is kept in memory and read back the way a peer would see it, each tensor a fresh array.
using System.Runtime.InteropServices;
using Dpt.Actors;
using Dpt.Remoting.Serialization;
using Google.Protobuf;

namespace Dpt.Shared.Tests.Training.Wire;

internal sealed class InMemoryWire : IWireWriter, IWireReader
{
    private readonly Dictionary<string, IActorRef> _refs = new();
    private byte[]? _header;
    private readonly List<byte[]> _tensors = new();

    /// <summary>A payload built by hand: this header and these tensors, to feed a serializer malformed input.</summary>
    public static InMemoryWire Of(IMessage header, params float[][] tensors)
    {
        var wire = new InMemoryWire();
        wire.WriteHeader(header);
        foreach (var t in tensors) wire.WriteTensor(t);
        return wire;
    }

    /// <summary>Writes <paramref name="message"/> with <paramref name="serializer"/> and reads it back.</summary>
    public static object RoundTrip(IWireSerializer serializer, object message)
    {
        var wire = new InMemoryWire();
        serializer.Write(message, wire);
        return serializer.Read(wire);
    }

    public int HeaderWrites { get; private set; }

    public void WriteHeader(IMessage header)
    {
        if (_tensors.Count > 0) throw new InvalidOperationException("the header goes before every tensor");
        HeaderWrites++;
        _header = header.ToByteArray();
    }

    public void WriteTensor(ReadOnlySpan<float> values)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("tests assume a little-endian machine");
        _tensors.Add(MemoryMarshal.AsBytes(values).ToArray());
    }

    public string ToWire(IActorRef? actorRef)
    {
        if (actorRef is null || actorRef.Equals(ActorRefs.Nobody)) return "";
        string path = actorRef.Path.ToString();
        _refs[path] = actorRef;
        return path;
    }

    public T ReadHeader<T>(MessageParser<T> parser) where T : IMessage<T> =>
        parser.ParseFrom(_header ?? throw new InvalidOperationException("no header was written"));

    public int TensorCount => _tensors.Count;

    public float[] ReadTensor(int index) => MemoryMarshal.Cast<byte, float>(_tensors[index]).ToArray();

    public IActorRef FromWire(string path) =>
        path.Length == 0 ? ActorRefs.Nobody
        : _refs.TryGetValue(path, out var r) ? r
        : throw new InvalidDataException($"'{path}' names no actor");

    /// <summary>Resolves <paramref name="path"/> to <paramref name="actorRef"/> when read.</summary>
    public void Know(string path, IActorRef actorRef) => _refs[path] = actorRef;
}
