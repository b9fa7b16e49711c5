// A message accepted for sending: measured and its protobuf header serialized (into pooled memory)
// on the sender's thread, its tensors read only when the writer copies them into the connection.
// As in Akka, a message must not be mutated after Tell: its float[]s are read later, by the writer.
using System.Buffers;
using System.Diagnostics;
using Dpt.Actors;
using Dpt.Remoting.Serialization;
using Dpt.Remoting.Wire;
using Envelope = Dpt.Remoting.Wire.Envelope;
using Google.Protobuf;

namespace Dpt.Remoting;

/// <summary>Turns refs into their wire form and back; implemented by the transport.</summary>
internal interface IWireRefs
{
    string ToWire(IActorRef? actorRef);

    IActorRef FromWire(string path);
}

/// <summary>One message in an association's send queue.</summary>
internal sealed class OutboundMessage
{
    private byte[]? _header;

    private OutboundMessage(object message, IWireSerializer serializer, Envelope envelope, byte[] header, long payloadBytes, IActorRef sender, IActorRef recipient)
    {
        Message = message;
        Serializer = serializer;
        Envelope = envelope;
        _header = header;
        PayloadBytes = payloadBytes;
        Sender = sender;
        Recipient = recipient;
        EnvelopeBytes = envelope.CalculateSize();
        EnqueuedAt = Stopwatch.GetTimestamp();
    }

    public object Message { get; }

    public IWireSerializer Serializer { get; }

    public Envelope Envelope { get; }

    public int EnvelopeBytes { get; }

    /// <summary>The serializer's header then its tensors: what follows the envelope.</summary>
    public long PayloadBytes { get; }

    public IActorRef Sender { get; }

    public IActorRef Recipient { get; }

    public long EnqueuedAt { get; }

    public MessageLane Lane => Serializer.Lane;

    /// <summary>What the message counts against the send queue limit.</summary>
    public long QueuedBytes => PayloadBytes + EnvelopeBytes + 2 * Framing.PrefixBytes;

    /// <summary>The serialized header (valid until <see cref="Release"/>).</summary>
    public ReadOnlySpan<byte> Header => _header.AsSpan(0, (int)Envelope.HeaderLength);

    /// <summary>Measures <paramref name="message"/> with <paramref name="serializer"/> and serializes its header;
    /// throws whatever the serializer throws.</summary>
    public static OutboundMessage Create(object message, IWireSerializer serializer, string recipientWire, string senderWire, bool system,
        IWireRefs refs, IActorRef sender, IActorRef recipient)
    {
        var measure = new MeasuringWriter(refs);
        try
        {
            serializer.Write(message, measure);
            if (measure.HeaderLength < 0)
                throw new InvalidOperationException($"serializer {serializer.GetType().Name} (id {serializer.Id}) wrote no header for {message.GetType().Name}");
            var envelope = new Envelope
            {
                Recipient = recipientWire,
                Sender = senderWire,
                SerializerId = serializer.Id,
                HeaderLength = (uint)measure.HeaderLength,
                Lane = serializer.Lane == MessageLane.Bulk ? 1u : 0u,
                System = system,
            };
            envelope.TensorLengths.AddRange(measure.TensorLengths);
            var outbound = new OutboundMessage(message, serializer, envelope, measure.TakeHeader(), measure.PayloadBytes, sender, recipient);
            return outbound;
        }
        finally
        {
            measure.Release();
        }
    }

    /// <summary>Returns the pooled header buffer; call once, after writing or dropping the message.</summary>
    public void Release()
    {
        var header = Interlocked.Exchange(ref _header, null);
        if (header is not null) ArrayPool<byte>.Shared.Return(header);
    }

    public override string ToString() => $"{Message.GetType().Name} to {Envelope.Recipient} ({PayloadBytes} bytes)";

    /// <summary>The first pass of a serializer: serializes the header, counts tensor bytes, copies nothing else.</summary>
    private sealed class MeasuringWriter(IWireRefs refs) : IWireWriter
    {
        private byte[]? _header;

        public int HeaderLength { get; private set; } = -1;

        public List<uint> TensorLengths { get; } = [];

        public long PayloadBytes { get; private set; }

        public void WriteHeader(IMessage header)
        {
            ArgumentNullException.ThrowIfNull(header);
            if (HeaderLength >= 0) throw new InvalidOperationException("WriteHeader was called twice for one message");
            if (TensorLengths.Count > 0) throw new InvalidOperationException("WriteHeader was called after WriteTensor");
            int size = header.CalculateSize();
            _header = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
            header.WriteTo(_header.AsSpan(0, size));
            HeaderLength = size;
            PayloadBytes += size;
        }

        public void WriteTensor(ReadOnlySpan<float> values)
        {
            if (HeaderLength < 0) throw new InvalidOperationException("WriteTensor was called before WriteHeader");
            long bytes = (long)values.Length * sizeof(float);
            if (bytes > uint.MaxValue) throw new InvalidOperationException($"a tensor of {values.Length} floats is too large for one message");
            TensorLengths.Add((uint)bytes);
            PayloadBytes += bytes;
        }

        public string ToWire(IActorRef? actorRef) => refs.ToWire(actorRef);

        public byte[] TakeHeader()
        {
            var header = _header!;
            _header = null;
            return header;
        }

        public void Release()
        {
            if (_header is not null) ArrayPool<byte>.Shared.Return(_header);
            _header = null;
        }
    }
}
