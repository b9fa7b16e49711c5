// The extension point a remote (cluster) layer plugs into an actor system, so that actors never
// need to change when their peers move to other nodes:
//
//  1. Resolution. The layer registers itself with ActorRefProvider.UseRemoting(resolver). From then
//     on ActorRefProvider.ResolveActorRef(path) answers paths at other addresses by calling
//     ResolveRemote, which returns a RemoteActorRef: an InternalActorRefBase whose Tell serialises
//     the message (and its sender, written as sender.Path.WithAddress(provider.DefaultAddress)
//     .ToSerializationFormat()) and whose SendSystemMessage forwards Watch, Unwatch, Terminate and
//     DeathWatchNotification. Refs are equal by path and uid, so resolve a path to one ref per
//     incarnation (or at least carry the uid) and watchers will recognise it.
//  2. Incoming traffic. The layer resolves the recipient path with ResolveActorRef (local paths come
//     back as local refs) and calls Tell, or SendSystemMessage for system messages: a Watch from a
//     remote watcher is delivered to the local watchee like any other, and a remote actor's death is
//     delivered to local watchers as DeathWatchNotification(remoteRef, existenceConfirmed: true, false).
//  3. Node loss. When the layer declares a node down it calls ActorRefProvider.NotifyAddressTerminated
//     (address): every local actor watching refs at that address gets
//     Terminated(ref, ExistenceConfirmed: true, AddressTerminated: true), and forgets watchers there.

namespace Dpt.Actors;

/// <summary>What a remote layer provides to the actor system; see the file header for the protocol.</summary>
public interface IRemoteActorRefResolver
{
    /// <summary>The address under which this node is reachable, e.g. "dpt://trainer@10.0.0.5:4053";
    /// paths with it are resolved locally.</summary>
    Address LocalAddress { get; }

    /// <summary>A ref for <paramref name="path"/> on another node. Called only for addresses that
    /// are neither the system's local address nor <see cref="LocalAddress"/>.</summary>
    IInternalActorRef ResolveRemote(ActorPath path);
}
