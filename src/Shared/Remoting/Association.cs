// The association with one peer node, keyed by its canonical address: the send queue, shared by
// every connection to that node, and the one connection currently writing it (inbound or dialed).
using System.Diagnostics;
using Dpt.Actors;

namespace Dpt.Remoting;

/// <summary>This node's relation with the node at <see cref="Remote"/>. The transport's lock guards
/// <see cref="Active"/> and <see cref="RemoteUid"/>.</summary>
internal sealed class Association(Address remote, long sendQueueLimitBytes)
{
    private Connection? _active;
    private ConnectionWriter? _writer;
    private long _lastDropWarning;
    private int _droppedSinceWarning;

    public Address Remote { get; } = remote;

    public OutboundQueue Queue { get; } = new(sendQueueLimitBytes);

    /// <summary>The connection that carries this association's messages, or null while dialing.</summary>
    public Connection? Active
    {
        get => Volatile.Read(ref _active);
        set => Volatile.Write(ref _active, value);
    }

    /// <summary>The writer of <see cref="Active"/>, through which senders write inline; null while dialing.</summary>
    public ConnectionWriter? Writer
    {
        get => Volatile.Read(ref _writer);
        set => Volatile.Write(ref _writer, value);
    }

    /// <summary>The incarnation of the peer the active connection reaches.</summary>
    public long RemoteUid { get; set; }

    /// <summary>Counts a message dropped because the queue is full; true (with the count since the last
    /// warning) at most once per second, so a flood of drops logs one line a second.</summary>
    public bool CountDrop(out int dropped)
    {
        Interlocked.Increment(ref _droppedSinceWarning);
        long now = Stopwatch.GetTimestamp();
        long last = Volatile.Read(ref _lastDropWarning);
        if ((last != 0 && now - last < Stopwatch.Frequency) || Interlocked.CompareExchange(ref _lastDropWarning, now, last) != last)
        {
            dropped = 0;
            return false;
        }
        dropped = Interlocked.Exchange(ref _droppedSinceWarning, 0);
        return true;
    }

    public override string ToString() => $"association with {Remote}";
}
