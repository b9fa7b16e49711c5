// Reads a connection's frames after the handshake: envelopes whole, payload frames streamed into the
// message of their lane as bytes arrive, every length checked against the limits as soon as it is
// read. Only what the current frame needs is buffered, so the pipe's pause threshold (and TCP flow
// control behind it) holds back a peer that sends faster than this node delivers.
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Dpt.Remoting.Serialization;
using Dpt.Remoting.Wire;
using Google.Protobuf;

namespace Dpt.Remoting;

/// <summary>The frame state machine of one connection; hands complete messages to a callback.</summary>
/// <param name="ring">The peer's shared-memory ring mapped in the handshake, which SharedPayload frames name bytes in; null for none.</param>
internal sealed class InboundDecoder(SerializerRegistry registry, IWireRefs refs, int maxFrameBytes, Action<InboundMessage> deliver,
    SharedMemoryRing? ring = null)
{
    private readonly InboundMessage?[] _inProgress = new InboundMessage?[2]; // per lane
    private FrameKind _kind;
    private int _frameLeft = -1; // -1: expecting a frame prefix

    /// <summary>Reads until the peer closes (returns) or breaks the protocol (throws
    /// <see cref="RemotingProtocolException"/>); cancelled when the connection closes.</summary>
    public async Task RunAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                Decode(ref buffer);
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
            if (result.IsCompleted)
            {
                if (_frameLeft >= 0 || !buffer.IsEmpty)
                    throw new RemotingProtocolException($"truncated frame: the connection closed inside a frame ({buffer.Length} bytes of an incomplete frame buffered)");
                if (_inProgress[0] is not null || _inProgress[1] is not null)
                    throw new RemotingProtocolException("truncated message: the connection closed before a message's payload was complete");
                return;
            }
        }
    }

    /// <summary>Consumes from <paramref name="buffer"/> whatever complete parts of frames it holds.</summary>
    private void Decode(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            if (_frameLeft < 0)
            {
                if (!Framing.TryReadPrefix(ref buffer, maxFrameBytes, out var kind, out int bodyBytes)) return;
                _kind = kind;
                _frameLeft = bodyBytes;
                StartFrame();
            }
            if (_kind == FrameKind.SharedPayload)
            {
                if (buffer.Length < Framing.SharedPayloadBytes) return;
                ReadShared(buffer.Slice(0, Framing.SharedPayloadBytes));
                buffer = buffer.Slice(Framing.SharedPayloadBytes);
                _frameLeft = -1;
                continue;
            }
            if (_kind == FrameKind.Envelope)
            {
                if (buffer.Length < _frameLeft) return;
                ReadEnvelope(buffer.Slice(0, _frameLeft));
                buffer = buffer.Slice(_frameLeft);
                _frameLeft = -1;
                continue;
            }
            // A payload frame: take what has arrived.
            if (buffer.IsEmpty) return;
            int lane = _kind == FrameKind.BulkPayload ? 1 : 0;
            var message = _inProgress[lane]!;
            int n = (int)Math.Min(buffer.Length, _frameLeft);
            message.Append(buffer.Slice(0, n));
            buffer = buffer.Slice(n);
            _frameLeft -= n;
            if (_frameLeft == 0) _frameLeft = -1;
            if (message.IsComplete)
            {
                _inProgress[lane] = null;
                deliver(message);
            }
        }
    }

    /// <summary>Checks a frame prefix against the state: which kinds may come now, and lengths.</summary>
    private void StartFrame()
    {
        switch (_kind)
        {
            case FrameKind.Envelope:
                if (_frameLeft > Framing.MaxSmallFrameBytes)
                    throw new RemotingProtocolException($"malformed frame: an envelope of {_frameLeft} bytes (at most {Framing.MaxSmallFrameBytes})");
                break;
            case FrameKind.ControlPayload or FrameKind.BulkPayload:
                var message = _inProgress[_kind == FrameKind.BulkPayload ? 1 : 0];
                if (message is null)
                    throw new RemotingProtocolException($"malformed frame: a {_kind} frame with no message of that lane in progress");
                if (_frameLeft == 0 || _frameLeft > message.Remaining)
                    throw new RemotingProtocolException($"malformed frame: lengths do not add up, a {_kind} frame of {_frameLeft} bytes for a message with {message.Remaining} bytes left");
                break;
            case FrameKind.SharedPayload:
                if (ring is null) throw new RemotingProtocolException("malformed frame: a SharedPayload frame on a connection without a shared-memory ring");
                if (_frameLeft != Framing.SharedPayloadBytes)
                    throw new RemotingProtocolException($"malformed frame: a SharedPayload frame of {_frameLeft} bytes (it has {Framing.SharedPayloadBytes})");
                if (_inProgress[1] is null) throw new RemotingProtocolException("malformed frame: a SharedPayload frame with no bulk message in progress");
                break;
            default:
                throw new RemotingProtocolException($"malformed frame: a handshake frame ({_kind}) after the handshake");
        }
    }

    /// <summary>Copies the ring bytes a SharedPayload frame names into the bulk message in progress, then frees them.</summary>
    private void ReadShared(ReadOnlySequence<byte> body)
    {
        Span<byte> fields = stackalloc byte[Framing.SharedPayloadBytes];
        body.CopyTo(fields);
        long position = BinaryPrimitives.ReadInt64LittleEndian(fields);
        int length = BinaryPrimitives.ReadInt32LittleEndian(fields[8..]);
        var message = _inProgress[1]!;
        if (length <= 0 || length > message.Remaining)
            throw new RemotingProtocolException($"malformed frame: lengths do not add up, a SharedPayload frame of {length} bytes for a message with {message.Remaining} bytes left");
        message.Append(ring!.Read(position, length));
        ring.Release(length);
        if (message.IsComplete)
        {
            _inProgress[1] = null;
            deliver(message);
        }
    }

    private void ReadEnvelope(ReadOnlySequence<byte> body)
    {
        Envelope envelope;
        try
        {
            envelope = Envelope.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RemotingProtocolException($"malformed frame: the envelope does not parse ({e.Message})");
        }
        if (envelope.Lane > 1) throw new RemotingProtocolException($"malformed frame: envelope lane {envelope.Lane} (0 or 1)");
        if (envelope.TensorLengths.Any(length => length % sizeof(float) != 0))
            throw new RemotingProtocolException($"malformed frame: tensor lengths [{string.Join(", ", envelope.TensorLengths)}] are not multiples of 4 bytes");
        long payload = InboundMessage.PayloadBytes(envelope);
        if (payload > maxFrameBytes)
            throw new RemotingProtocolException($"oversized message: {payload} bytes announced, the limit (MaxFrameBytes) is {maxFrameBytes}");
        int lane = (int)envelope.Lane;
        if (_inProgress[lane] is not null)
            throw new RemotingProtocolException($"malformed frame: an envelope while the {(lane == 1 ? "bulk" : "control")} lane's previous message is incomplete");
        registry.TryGet(envelope.SerializerId, out var serializer);
        var message = new InboundMessage(envelope, serializer, refs);
        if (message.IsComplete) deliver(message);
        else _inProgress[lane] = message;
    }
}
