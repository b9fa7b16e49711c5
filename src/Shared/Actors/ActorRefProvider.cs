// Turns paths into refs and hosts the seams of location transparency: the remote resolver, the
// "address terminated" notification, and the temporary refs of Ask under "/temp".
using System.Collections.Concurrent;

namespace Dpt.Actors;

/// <summary>Resolves paths to refs for one actor system (<see cref="ActorSystem.Provider"/>) and is
/// where a remote layer plugs in (see <see cref="IRemoteActorRefResolver"/>).</summary>
public sealed class ActorRefProvider
{
    private readonly ConcurrentDictionary<string, PromiseActorRef> _temp = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ActorCell, byte> _addressTerminatedSubscribers = new();
    private readonly ActorPath _tempPath;
    private IRemoteActorRefResolver? _remote;
    private long _tempCounter;

    internal ActorRefProvider(ActorSystem system)
    {
        System = system;
        LocalAddress = Address.Local(system.Name);
        RootPath = ActorPath.RootOf(LocalAddress);
        _tempPath = RootPath / "temp";
        DeadLetters = new DeadLetterActorRef(system, RootPath / "deadLetters");
    }

    internal ActorSystem System { get; }

    /// <summary>"dpt://name": the address of every local actor's path.</summary>
    public Address LocalAddress { get; }

    /// <summary>The address this node is known by to others: the remote layer's address once
    /// <see cref="UseRemoting"/> was called, else <see cref="LocalAddress"/>.</summary>
    public Address DefaultAddress => Volatile.Read(ref _remote)?.LocalAddress ?? LocalAddress;

    /// <summary>"dpt://name/".</summary>
    public ActorPath RootPath { get; }

    /// <summary>The system's dead letters.</summary>
    public IActorRef DeadLetters { get; }

    /// <summary>True when actors at <paramref name="address"/> live in this system.</summary>
    public bool IsLocalAddress(Address address) =>
        address.Equals(LocalAddress) || (Volatile.Read(ref _remote) is { } remote && address.Equals(remote.LocalAddress));

    /// <summary>Plugs in the remote layer. Can be done once.</summary>
    public void UseRemoting(IRemoteActorRefResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        if (Interlocked.CompareExchange(ref _remote, resolver, null) is not null)
            throw new InvalidOperationException($"actor system [{System.Name}] already has a remote layer");
    }

    /// <summary>The ref for <paramref name="path"/>: a local actor (if its uid is 0 or matches), a
    /// remote ref from the remote layer, or a ref whose messages go to dead letters.</summary>
    public IInternalActorRef ResolveActorRef(ActorPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (IsLocalAddress(path.Address)) return ResolveLocal(path);
        return Volatile.Read(ref _remote)?.ResolveRemote(path) ?? new EmptyActorRef(System, path);
    }

    /// <summary>Parses and resolves a path such as "dpt://trainer@host:4053/user/worker-1#42".</summary>
    public IInternalActorRef ResolveActorRef(string path) => ResolveActorRef(ActorPath.Parse(path));

    /// <summary>Called by the remote layer when the node at <paramref name="address"/> is declared down:
    /// every local watcher of refs at that address receives Terminated with AddressTerminated set.</summary>
    public void NotifyAddressTerminated(Address address)
    {
        ArgumentNullException.ThrowIfNull(address);
        foreach (var cell in _addressTerminatedSubscribers.Keys)
            cell.Self.SendSystemMessage(new SystemMessages.AddressTerminated(address));
    }

    internal void SubscribeAddressTerminated(ActorCell cell) => _addressTerminatedSubscribers.TryAdd(cell, 0);

    internal void UnsubscribeAddressTerminated(ActorCell cell) => _addressTerminatedSubscribers.TryRemove(cell, out _);

    internal PromiseActorRef CreatePromise()
    {
        string name = ActorName.Generated(Interlocked.Increment(ref _tempCounter) - 1);
        var promise = new PromiseActorRef(this, (_tempPath / name).WithUid(ActorCell.NewUid()));
        _temp[name] = promise;
        return promise;
    }

    internal void RemoveTempActor(PromiseActorRef promise) => _temp.TryRemove(new(promise.Path.Name, promise));

    private IInternalActorRef ResolveLocal(ActorPath path)
    {
        var elements = path.Elements;
        IInternalActorRef? found = elements switch
        {
            [] => System.RootCell.Self,
            ["deadLetters"] => (IInternalActorRef)DeadLetters,
            ["temp", var name] => _temp.GetValueOrDefault(name),
            _ => System.RootCell.Descendant(elements),
        };
        if (found is null || (path.Uid != 0 && found.Path.Uid != path.Uid))
            return new EmptyActorRef(System, path.WithAddress(LocalAddress));
        return found;
    }
}
