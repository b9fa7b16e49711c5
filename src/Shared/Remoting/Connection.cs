// One TCP (or TLS) connection to a peer, inbound (accepted by Kestrel) or outbound (dialed): its pipes
// and how to close it. Closing records the first reason, which is what the logs and events report.
using System.IO.Pipelines;
using Dpt.Actors;

namespace Dpt.Remoting;

/// <summary>A connection's pipes, identity after the handshake, and close state. Thread-safe close.</summary>
internal sealed class Connection(PipeReader input, PipeWriter output, string endpoint, bool dialed, Action abort)
{
    private readonly CancellationTokenSource _closing = new();
    private string? _closeReason;

    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;

    /// <summary>The peer's network endpoint, e.g. "127.0.0.1:50312".</summary>
    public string Endpoint { get; } = endpoint;

    /// <summary>True when this node opened the connection.</summary>
    public bool Dialed { get; } = dialed;

    /// <summary>The peer's canonical address, once its Hello was read.</summary>
    public Address? Remote { get; set; }

    /// <summary>The peer's incarnation, once its Hello was read.</summary>
    public long RemoteUid { get; set; }

    /// <summary>Cancelled when the connection closes.</summary>
    public CancellationToken Closing => _closing.Token;

    public bool IsClosed => Volatile.Read(ref _closeReason) is not null;

    /// <summary>Why the connection closed (the first reason given), or null while open.</summary>
    public string? CloseReason => Volatile.Read(ref _closeReason);

    /// <summary>The peer for logs: its address and endpoint when known.</summary>
    public string Peer => Remote is null ? Endpoint : $"{Remote} ({Endpoint})";

    /// <summary>Closes the connection; the first call's reason is kept. Returns true for that first call.</summary>
    public bool Close(string reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null) return false;
        try
        {
            _closing.Cancel();
        }
        catch (AggregateException)
        {
            // A callback failed; the connection is closing regardless.
        }
        try
        {
            abort();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Already torn down.
        }
        return true;
    }

    public override string ToString() => $"connection {(Dialed ? "to" : "from")} {Peer}";
}
