// The entry point of remoting: starts the listener, plugs into the actor system's ref provider, and
// owns the associations with other nodes. Connections, sending and delivery are in the partial files
// RemoteTransport.Connections.cs and RemoteTransport.Delivery.cs. No failure detection here: the
// cluster layer watches the events and calls ActorRefProvider.NotifyAddressTerminated itself.
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Dpt.Actors;
using Dpt.Remoting.Serialization;
using Microsoft.Extensions.Logging;

namespace Dpt.Remoting;

/// <summary>The remote transport of one actor system. Start with <see cref="StartAsync"/>, stop with
/// <see cref="DisposeAsync"/> (before terminating the actor system).</summary>
public sealed partial class RemoteTransport : IAsyncDisposable, IRemoteActorRefResolver, IWireRefs
{
    private readonly object _lock = new();
    private readonly Dictionary<Address, Association> _associations = [];
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Handshake.Identity _identity;
    private KestrelListener? _listener;
    private bool _disposed;

    private RemoteTransport(ActorSystem system, RemoteSettings settings, SerializerRegistry registry, Address localAddress, long uid)
    {
        System = system;
        Settings = settings;
        Registry = registry;
        LocalAddress = localAddress;
        Uid = uid;
        Log = system.Settings.LoggerFactory.CreateLogger("Dpt.Remoting");
        _identity = new Handshake.Identity(localAddress, uid, settings.Secret);
    }

    /// <summary>This node's canonical address, "dpt://system@host:port", with the port actually bound.</summary>
    public Address LocalAddress { get; }

    /// <summary>The random id of this run of the node, sent in every handshake.</summary>
    public long Uid { get; }

    /// <summary>The actor system this transport serves.</summary>
    public ActorSystem System { get; }

    /// <summary>The settings, validated.</summary>
    public RemoteSettings Settings { get; }

    /// <summary>The serializers of messages that cross the network.</summary>
    public SerializerRegistry Registry { get; }

    internal ILogger Log { get; }

    /// <summary>The addresses of the nodes this node has an association with (connected or dialing).</summary>
    public IReadOnlyList<Address> Associations
    {
        get
        {
            lock (_lock) return [.. _associations.Keys];
        }
    }

    /// <summary>Validates <paramref name="settings"/>, listens (port 0: a free port), and plugs the transport
    /// into <paramref name="system"/> with <see cref="ActorRefProvider.UseRemoting"/>.</summary>
    public static async Task<RemoteTransport> StartAsync(ActorSystem system, RemoteSettings settings, SerializerRegistry registry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(registry);
        settings.Validate();
        // Tensors are copied as raw bytes; the wire is little-endian.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Dpt.Remoting needs a little-endian machine (tensors travel as raw little-endian float32)");
        long uid = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(sizeof(long)));
        var listener = new KestrelListener(settings, system.Settings.LoggerFactory);
        int port = await listener.StartAsync(cancellationToken).ConfigureAwait(false);
        RemoteTransport transport;
        try
        {
            transport = new RemoteTransport(system, settings, registry, Address.Remote(system.Name, settings.AdvertisedHost, port), uid);
            transport._listener = listener;
            listener.OnConnection = transport.RunInboundAsync;
            system.Provider.UseRemoting(transport);
        }
        catch
        {
            await listener.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        transport.Log.LogInformation("Remoting of {System} listening as {Address} (uid {Uid}, TLS {Tls})", system.Name, transport.LocalAddress, uid, settings.UseTls ? "on" : "off");
        return transport;
    }

    /// <summary>A ref to the actor at <paramref name="path"/> on another node.</summary>
    public IInternalActorRef ResolveRemote(ActorPath path) => new RemoteActorRef(this, path);

    /// <summary>Bytes queued for <paramref name="remote"/> and not yet written (0 without association).</summary>
    internal long QueuedBytes(Address remote)
    {
        lock (_lock) return _associations.TryGetValue(remote, out var association) ? association.Queue.QueuedBytes : 0;
    }

    /// <summary>Stops listening and closes every connection; queued messages go to dead letters.</summary>
    public async ValueTask DisposeAsync()
    {
        Association[] associations;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            associations = [.. _associations.Values.Distinct()];
            _associations.Clear();
        }
        _shutdown.Cancel();
        foreach (var association in associations) DeadLetterAll(association.Queue.Close(), "the transport stopped");
        foreach (var connection in _connections.Keys) connection.Close("this node's transport stopped");
        if (_listener is not null) await _listener.DisposeAsync().ConfigureAwait(false);
        Log.LogInformation("Remoting of {System} at {Address} stopped", System.Name, LocalAddress);
    }

    /// <summary>The wire form of a ref: its path with uid, local refs under this node's canonical address.</summary>
    public string ToWire(IActorRef? actorRef)
    {
        if (actorRef is null or NobodyActorRef) return "";
        var path = actorRef.Path;
        if (System.Provider.IsLocalAddress(path.Address)) path = path.WithAddress(LocalAddress);
        return path.ToSerializationFormat();
    }

    /// <summary>The ref a wire-form path names (local paths resolve to local actors).</summary>
    public IActorRef FromWire(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0) return ActorRefs.Nobody;
        if (!ActorPath.TryParse(path, out var parsed)) throw new InvalidDataException($"[{path}] is not an actor path");
        return System.Provider.ResolveActorRef(parsed);
    }

    public override string ToString() => $"RemoteTransport({LocalAddress})";
}
