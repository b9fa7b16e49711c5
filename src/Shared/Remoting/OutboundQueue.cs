// The bounded send queue of one association: two lanes, counted in bytes. A send that would pass
// the limit is refused (the caller dead-letters it), so the sender never blocks and memory is bounded.
using Dpt.Remoting.Serialization;

namespace Dpt.Remoting;

/// <summary>Messages waiting for an association's connection, per lane, at most <c>limitBytes</c> in all
/// (one message of any size is accepted into an empty queue). Thread-safe.</summary>
internal sealed class OutboundQueue(long limitBytes)
{
    private readonly object _lock = new();
    private readonly Queue<OutboundMessage> _control = new();
    private readonly Queue<OutboundMessage> _bulk = new();
    private long _bytes;
    private bool _closed;

    /// <summary>Bytes queued now.</summary>
    public long QueuedBytes => Volatile.Read(ref _bytes);

    public long LimitBytes { get; } = limitBytes;

    /// <summary>Queues <paramref name="message"/>; false when the queue is full or closed. Without
    /// <paramref name="wake"/> the writer is not woken: the caller writes inline or calls <see cref="Wake"/>.</summary>
    public bool TryEnqueue(OutboundMessage message, bool wake = true)
    {
        lock (_lock)
        {
            if (_closed) return false;
            if (_bytes > 0 && _bytes + message.QueuedBytes > LimitBytes) return false;
            (message.Lane == MessageLane.Bulk ? _bulk : _control).Enqueue(message);
            _bytes += message.QueuedBytes;
            if (wake) Monitor.PulseAll(_lock);
            return true;
        }
    }

    /// <summary>The next message of <paramref name="lane"/>, if any.</summary>
    public bool TryDequeue(MessageLane lane, out OutboundMessage message)
    {
        lock (_lock)
        {
            if (!(lane == MessageLane.Bulk ? _bulk : _control).TryDequeue(out message!)) return false;
            _bytes -= message.QueuedBytes;
            return true;
        }
    }

    /// <summary>The next message of <paramref name="lane"/> if its payload is at most <paramref name="maxPayloadBytes"/>.</summary>
    public bool TryDequeue(MessageLane lane, long maxPayloadBytes, out OutboundMessage message)
    {
        lock (_lock)
        {
            var queue = lane == MessageLane.Bulk ? _bulk : _control;
            if (!queue.TryPeek(out message!) || message.PayloadBytes > maxPayloadBytes) return false;
            queue.Dequeue();
            _bytes -= message.QueuedBytes;
            return true;
        }
    }

    /// <summary>True when no message is queued.</summary>
    public bool IsEmpty
    {
        get
        {
            lock (_lock) return _control.Count == 0 && _bulk.Count == 0;
        }
    }

    /// <summary>Waits until a message is queued, the queue is woken, or <paramref name="timeout"/> passes.</summary>
    public void WaitForWork(TimeSpan timeout)
    {
        lock (_lock)
        {
            if (_closed || _control.Count > 0 || _bulk.Count > 0) return;
            Monitor.Wait(_lock, timeout);
        }
    }

    /// <summary>Wakes the writers waiting in <see cref="WaitForWork"/>.</summary>
    public void Wake()
    {
        lock (_lock) Monitor.PulseAll(_lock);
    }

    /// <summary>Refuses further messages and returns those still queued.</summary>
    public List<OutboundMessage> Close()
    {
        lock (_lock)
        {
            _closed = true;
            var left = new List<OutboundMessage>(_control.Count + _bulk.Count);
            left.AddRange(_control);
            left.AddRange(_bulk);
            _control.Clear();
            _bulk.Clear();
            _bytes = 0;
            Monitor.PulseAll(_lock);
            return left;
        }
    }
}
