// One received message being assembled: the envelope's lengths decide, before any payload byte
// arrives, where each byte goes (header buffer or a tensor's float[]), so tensor bytes are copied
// once, from the receive buffer straight into the array the serializer hands to the message (a
// ReceiveBuffers lease, which the consuming actor may hand back).
using System.Buffers;
using System.Runtime.InteropServices;
using Dpt.Actors;
using Dpt.Remoting.Serialization;
using Dpt.Remoting.Wire;
using Envelope = Dpt.Remoting.Wire.Envelope;
using Google.Protobuf;

namespace Dpt.Remoting;

/// <summary>A message whose payload is arriving; then the <see cref="IWireReader"/> its serializer reads.</summary>
internal sealed class InboundMessage : IWireReader
{
    private readonly byte[] _header;
    private readonly float[][] _tensors;
    private readonly bool[] _tensorTaken;
    private readonly IWireRefs _refs;
    private int _segment = -1;   // -1: the header, else the tensor being filled
    private int _segmentOffset;  // bytes written into the current segment

    /// <summary>Prepares to receive the payload <paramref name="envelope"/> announces. With no
    /// <paramref name="serializer"/> (unknown id) the payload is received and discarded.</summary>
    public InboundMessage(Envelope envelope, IWireSerializer? serializer, IWireRefs refs)
    {
        Envelope = envelope;
        Serializer = serializer;
        _refs = refs;
        long total = envelope.HeaderLength;
        foreach (uint length in envelope.TensorLengths) total += length;
        Remaining = total;
        bool keep = serializer is not null;
        _header = keep ? new byte[envelope.HeaderLength] : [];
        _tensors = keep ? envelope.TensorLengths.Select(length => ReceiveBuffers.Rent((int)(length / sizeof(float)))).ToArray() : [];
        _tensorTaken = new bool[_tensors.Length];
        if (keep) SkipEmptySegments();
    }

    public Envelope Envelope { get; }

    /// <summary>The serializer named by the envelope; null when this node has none with that id.</summary>
    public IWireSerializer? Serializer { get; }

    /// <summary>Payload bytes still to come.</summary>
    public long Remaining { get; private set; }

    public bool IsComplete => Remaining == 0;

    /// <summary>Total payload bytes the envelope announces (header plus tensors), checked against the limits.</summary>
    public static long PayloadBytes(Envelope envelope)
    {
        long total = envelope.HeaderLength;
        foreach (uint length in envelope.TensorLengths) total += length;
        return total;
    }

    /// <summary>Takes payload bytes (at most <see cref="Remaining"/>).</summary>
    public void Append(ReadOnlySequence<byte> data)
    {
        foreach (var memory in data) Append(memory.Span);
    }

    /// <summary>Takes payload bytes (at most <see cref="Remaining"/>).</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        Remaining -= data.Length;
        if (Serializer is null) return;
        while (!data.IsEmpty)
        {
            var target = _segment < 0 ? _header.AsSpan(_segmentOffset) : MemoryMarshal.AsBytes(_tensors[_segment].AsSpan()).Slice(_segmentOffset);
            int n = Math.Min(target.Length, data.Length);
            data[..n].CopyTo(target);
            data = data[n..];
            _segmentOffset += n;
            if (n == target.Length) SkipEmptySegments();
        }
    }

    /// <summary>Moves past full (and empty) segments.</summary>
    private void SkipEmptySegments()
    {
        while (true)
        {
            int length = _segment < 0 ? _header.Length : _tensors[_segment].Length * sizeof(float);
            if (_segmentOffset < length || _segment + 1 >= _tensors.Length) return;
            _segment++;
            _segmentOffset = 0;
        }
    }

    public T ReadHeader<T>(MessageParser<T> parser) where T : IMessage<T> => parser.ParseFrom(_header);

    public int TensorCount => _tensors.Length;

    public float[] ReadTensor(int index)
    {
        if ((uint)index >= (uint)_tensors.Length)
            throw new InvalidDataException($"tensor {index} was asked for, but the message has {_tensors.Length}");
        // The first read hands out the array the bytes were received into; a second gets a copy.
        if (_tensorTaken[index]) return (float[])_tensors[index].Clone();
        _tensorTaken[index] = true;
        return _tensors[index];
    }

    public IActorRef FromWire(string path) => _refs.FromWire(path);
}
