// One TCP (or TLS) connection to a peer, inbound (accepted by Kestrel) or outbound (dialed): its pipes
// and how to close it. Closing records the first reason, which is what the logs and events report.
using System.IO.Pipelines;
using System.Net;
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

    /// <summary>True when the peer's endpoint is a loopback address: it runs on this host (and in this network
    /// namespace), so a shared-memory ring can be offered.</summary>
    public bool PeerIsLoopback { get; init; }

    /// <summary>This node's ring, which the peer mapped in the handshake: bulk payloads go through it. Null when not.</summary>
    public SharedMemoryRing? OutboundRing { get; set; }

    /// <summary>The peer's ring, mapped in the handshake: SharedPayload frames name bytes in it. Null when not.</summary>
    public SharedMemoryRing? InboundRing { get; set; }

    /// <summary>Why bulk payloads to the peer do not go through shared memory although it is on this host; null otherwise.</summary>
    public string? SharedMemoryNote { get; set; }

    /// <summary>True for a loopback IP address, IPv4 or IPv6 (also IPv4 mapped to IPv6), and for "localhost".</summary>
    public static bool IsLoopback(string host)
    {
        host = host.Trim('[', ']');
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var address) && IsLoopback(address);
    }

    public static bool IsLoopback(IPAddress address) =>
        IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

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
