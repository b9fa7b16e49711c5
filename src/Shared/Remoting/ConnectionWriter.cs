// The writer of one connection: a dedicated thread that takes messages from the association's queue
// and copies them into the connection's PipeWriter. Before each bulk fragment it writes every queued
// control message, so a heartbeat waits for at most one fragment, never for a whole 50 MB transfer.
// Blocking flushes are fine on this thread; they are what pushes back when the peer reads slowly.
// A sender may also write its message itself (TryWriteInline) when that cannot block: the writer is
// idle, the message is small or fits the peer's ring, and the flush completes at once. That saves
// waking this thread, which on a busy two-core machine costs as much as the copy it would do.
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using Dpt.Actors;
using Dpt.Remoting.Serialization;
using Google.Protobuf;

namespace Dpt.Remoting;

/// <summary>Writes an association's queued messages to one connection until it closes or is replaced.</summary>
internal sealed class ConnectionWriter
{
    private readonly Connection _connection;
    private readonly OutboundQueue _queue;
    private readonly Func<bool> _isActive;
    private readonly Action<OutboundMessage, string> _drop;
    /// <summary>Unflushed bytes past which a message being written is flushed before it is complete: bounds what
    /// the pipe buffers, and keeps it under the accepted connections' pause threshold (KestrelListener).</summary>
    internal const int FlushBytes = 1 << 20;

    private readonly int _fragmentBytes;
    private readonly long _sendDelayTicks;
    private readonly PayloadSink _controlSink;
    private readonly PayloadSink _bulkSink;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _inlineAllowed;
    // Held by whichever thread writes to the output: the writer thread, or a sender writing inline.
    private readonly Lock _writeLock = new();
    // A flush that an inline sender started and could not finish at once: the writer thread completes it
    // before anything else is written, and no sender writes inline until it has.
    private ValueTask<FlushResult>? _pendingFlush;
    // True while a sender writes inline: its messages are not interleaved with control messages or flushed mid-way.
    private bool _inline;
    private long _unflushed;

    /// <summary>Most payload bytes a sender writes inline at once, and the largest message it writes inline over TCP
    /// is <see cref="RemoteSettings.FragmentBytes"/>: beyond that the copy is the writer thread's.</summary>
    internal const long InlineBytes = FlushBytes / 2;

    public ConnectionWriter(Connection connection, OutboundQueue queue, RemoteSettings settings, IWireRefs refs, Func<bool> isActive, Action<OutboundMessage, string> drop)
    {
        _connection = connection;
        _queue = queue;
        _isActive = isActive;
        _drop = drop;
        _fragmentBytes = settings.FragmentBytes;
        _sendDelayTicks = (long)(settings.SendDelay.TotalSeconds * Stopwatch.Frequency);
        _controlSink = new PayloadSink(this, FrameKind.ControlPayload, refs);
        _bulkSink = new PayloadSink(this, FrameKind.BulkPayload, refs);
        _inlineAllowed = settings.InlineWrites && _sendDelayTicks == 0;
    }

    private PipeWriter Output => _connection.Output;

    /// <summary>Completes when the writer thread has stopped touching the connection's output.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Starts the writer thread.</summary>
    public void Start() =>
        new Thread(Run) { IsBackground = true, Name = $"dpt-remoting-writer {_connection.Remote}" }.Start();

    private void Run()
    {
        try
        {
            while (!_connection.IsClosed && _isActive())
            {
                lock (_writeLock)
                {
                    CompletePendingFlush();
                    WriteControlMessages();
                    if (_queue.TryDequeue(MessageLane.Bulk, out var bulk)) WriteMessage(bulk);
                    Flush();
                }
                // The timeout only bounds how late a replaced connection's writer notices it.
                _queue.WaitForWork(TimeSpan.FromMilliseconds(200));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or InvalidDataException)
        {
            _connection.Close($"write failed: {e.Message}");
        }
        finally
        {
            _completion.TrySetResult();
        }
    }

    /// <summary>Writes the queued messages on the calling thread if that cannot block (see the file's comment); returns
    /// false when messages are left for the writer thread, which the caller then wakes.</summary>
    public bool TryWriteInline()
    {
        if (!_inlineAllowed || !_writeLock.TryEnter()) return false;
        if (_inline)
        {
            // Re-entered from within a write on this thread (the lock is recursive): leave it to the writer thread.
            _writeLock.Exit();
            return false;
        }
        try
        {
            if (_pendingFlush is not null || _connection.IsClosed || !_isActive()) return false;
            _inline = true;
            // Over shared memory a bulk payload goes to the peer's ring, so it is bounded by the ring's free space
            // (the copy cannot wait); over TCP by the budget, so that a sender never copies megabytes into the socket.
            var ring = _connection.OutboundRing;
            long budget = InlineBytes;
            while (true)
            {
                if (budget > 0 && _queue.TryDequeue(MessageLane.Control, Math.Min(budget, _fragmentBytes), out var message)) budget -= message.PayloadBytes + 1;
                else if (_queue.TryDequeue(MessageLane.Bulk, ring?.FreeBytes ?? Math.Min(budget, _fragmentBytes), out message)) budget -= message.PayloadBytes + 1;
                else break;
                WriteMessage(message);
            }
            if (_unflushed != 0)
            {
                _unflushed = 0;
                var pending = Output.FlushAsync(_connection.Closing);
                if (!pending.IsCompleted)
                {
                    _pendingFlush = pending;
                    return false;
                }
                var result = pending.Result;
                if (result.IsCompleted || result.IsCanceled) throw new IOException("the connection was closed");
            }
            return _queue.IsEmpty;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or InvalidDataException)
        {
            _connection.Close($"write failed: {e.Message}");
            return false;
        }
        finally
        {
            _inline = false;
            _writeLock.Exit();
        }
    }

    private void CompletePendingFlush()
    {
        if (_pendingFlush is not { } pending) return;
        _pendingFlush = null;
        var result = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        if (result.IsCompleted || result.IsCanceled) throw new IOException("the connection was closed");
    }

    /// <summary>Writes every queued control message; returns how many.</summary>
    private int WriteControlMessages()
    {
        int written = 0;
        for (; _queue.TryDequeue(MessageLane.Control, out var control); written++) WriteMessage(control);
        return written;
    }

    private void WriteMessage(OutboundMessage message)
    {
        try
        {
            WaitForSendDelay(message);
            Framing.WriteMessage(Output, FrameKind.Envelope, message.Envelope);
            _unflushed += Framing.PrefixBytes + message.EnvelopeBytes;
            var sink = message.Lane == MessageLane.Bulk ? _bulkSink : _controlSink;
            sink.Write(message);
        }
        catch (Exception e)
        {
            _drop(message, $"the connection failed while writing it ({e.Message})");
            throw e is IOException or ObjectDisposedException or OperationCanceledException ? e : new InvalidDataException($"{message}: {e.Message}", e);
        }
        finally
        {
            message.Release();
        }
    }

    /// <summary>Holds the message until the send delay has passed since it was queued: a one-way latency that does not
    /// add up over the messages queued behind it.</summary>
    private void WaitForSendDelay(OutboundMessage message)
    {
        if (_sendDelayTicks != 0) PreciseSleep.Until(message.EnqueuedAt + _sendDelayTicks);
    }

    /// <summary>Waits for the peer to free ring space: it copies out at memory speed, so this is short unless it is
    /// stalled, when the connection's close (or its replacement) ends the wait.</summary>
    private void WaitForRing(SharedMemoryRing ring)
    {
        var spin = new SpinWait();
        while (ring.FreeSpan(1).IsEmpty)
        {
            if (_connection.IsClosed || !_isActive()) throw new IOException("the connection was closed");
            if (spin.Count < 100) spin.SpinOnce(sleep1Threshold: -1);
            else Thread.Sleep(1);
        }
    }

    private void Flush()
    {
        if (_unflushed == 0) return;
        _unflushed = 0;
        var pending = Output.FlushAsync(_connection.Closing);
        var result = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        if (result.IsCompleted || result.IsCanceled) throw new IOException("the connection was closed");
    }

    /// <summary>Cuts one message's payload into frames of one lane as the serializer writes it.</summary>
    private sealed class PayloadSink(ConnectionWriter owner, FrameKind kind, IWireRefs refs) : IWireWriter
    {
        private OutboundMessage? _message;
        private long _messageLeft;
        private int _frameLeft;
        private int _tensorIndex;
        private bool _headerWritten;

        public void Write(OutboundMessage message)
        {
            _message = message;
            _messageLeft = message.PayloadBytes;
            _frameLeft = 0;
            _tensorIndex = 0;
            _headerWritten = false;
            try
            {
                WriteBytes(message.Header);
                message.Serializer.Write(message.Message, this);
                if (_messageLeft != 0 || _tensorIndex != message.Envelope.TensorLengths.Count)
                    throw new InvalidOperationException($"serializer {message.Serializer.GetType().Name} wrote {_tensorIndex} tensors, fewer than it measured ({message.Envelope.TensorLengths.Count})");
            }
            finally
            {
                _message = null;
            }
        }

        public void WriteHeader(IMessage header)
        {
            // The header was serialized when the message was sent; this pass writes the tensors only.
            if (_headerWritten) throw new InvalidOperationException("WriteHeader was called twice for one message");
            _headerWritten = true;
        }

        public void WriteTensor(ReadOnlySpan<float> values)
        {
            var message = _message!;
            var lengths = message.Envelope.TensorLengths;
            long bytes = (long)values.Length * sizeof(float);
            if (_tensorIndex >= lengths.Count || lengths[_tensorIndex] != bytes)
                throw new InvalidOperationException($"serializer {message.Serializer.GetType().Name} wrote tensor {_tensorIndex} with {bytes} bytes, " +
                    $"not as measured when the message was sent (was it changed after Tell?)");
            _tensorIndex++;
            WriteBytes(MemoryMarshal.AsBytes(values));
        }

        public string ToWire(IActorRef? actorRef) => refs.ToWire(actorRef);

        private void WriteBytes(ReadOnlySpan<byte> data)
        {
            if (kind == FrameKind.BulkPayload && owner._connection.OutboundRing is { } ring)
            {
                WriteShared(ring, data);
                return;
            }
            var output = owner.Output;
            while (!data.IsEmpty)
            {
                if (_frameLeft == 0)
                {
                    _frameLeft = (int)Math.Min(owner._fragmentBytes, _messageLeft);
                    Framing.WritePrefix(output, kind, _frameLeft);
                    owner._unflushed += Framing.PrefixBytes;
                }
                var span = output.GetSpan(1);
                int n = Math.Min(Math.Min(span.Length, data.Length), _frameLeft);
                data[..n].CopyTo(span);
                output.Advance(n);
                data = data[n..];
                _frameLeft -= n;
                _messageLeft -= n;
                owner._unflushed += n;
                if (_frameLeft == 0) EndFrame();
            }
        }

        /// <summary>Copies payload bytes into the peer's mapped ring, a fragment at a time, each announced by a SharedPayload
        /// frame; waits while the ring is full (the peer is behind), flushing first so that it has the frames it must read.</summary>
        private void WriteShared(SharedMemoryRing ring, ReadOnlySpan<byte> data)
        {
            var output = owner.Output;
            while (!data.IsEmpty)
            {
                var free = ring.FreeSpan(Math.Min(owner._fragmentBytes, data.Length));
                if (free.IsEmpty)
                {
                    owner.Flush();
                    owner.WaitForRing(ring);
                    continue;
                }
                data[..free.Length].CopyTo(free);
                var frame = output.GetSpan(Framing.PrefixBytes + Framing.SharedPayloadBytes);
                BinaryPrimitives.WriteUInt32LittleEndian(frame, 1 + Framing.SharedPayloadBytes);
                frame[4] = (byte)FrameKind.SharedPayload;
                BinaryPrimitives.WriteInt64LittleEndian(frame[5..], ring.WritePosition);
                BinaryPrimitives.WriteInt32LittleEndian(frame[13..], free.Length);
                output.Advance(Framing.PrefixBytes + Framing.SharedPayloadBytes);
                ring.Advance(free.Length);
                data = data[free.Length..];
                _messageLeft -= free.Length;
                owner._unflushed += free.Length;
                // As a fragment: control messages go first, and a long message is flushed as it goes.
                if (owner._inline) continue;
                if (_messageLeft > 0 && owner.WriteControlMessages() > 0) owner.Flush();
                else if (owner._unflushed >= FlushBytes) owner.Flush();
            }
        }

        // A flush hands what was written to the socket; on an accepted connection that is a hop to Kestrel's sender
        // thread and, past the pipe's pause threshold, a wait for it. Flushing a bulk message per fragment made a
        // 940 KB message 15 such hops; now it is flushed once at its end (Run), mid-way only per FlushBytes, and
        // whenever control messages were written between its fragments, so they still wait for one fragment only.
        private void EndFrame()
        {
            if (owner._inline) return;
            if (kind == FrameKind.BulkPayload && _messageLeft > 0 && owner.WriteControlMessages() > 0) owner.Flush();
            else if (owner._unflushed >= FlushBytes) owner.Flush();
        }
    }
}
