// A ref to an actor on another node: Tell serializes through the transport's registry and queues the
// message on the association with that node; the death-watch system messages travel the same way.
using Dpt.Actors;
using Microsoft.Extensions.Logging;

namespace Dpt.Remoting;

/// <summary>An actor at <see cref="Path"/> on another node, reached through <paramref name="transport"/>.
/// Equal to every other ref with the same path and uid.</summary>
internal sealed class RemoteActorRef(RemoteTransport transport, ActorPath path) : InternalActorRefBase
{
    public override ActorPath Path { get; } = path;

    public override bool IsLocal => false;

    public override ActorRefProvider Provider => transport.System.Provider;

    /// <summary>Queues <paramref name="message"/> for the remote actor; a message that cannot be sent goes
    /// to dead letters (never an exception to the sender).</summary>
    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        transport.Send(this, message, SenderOrImplicit(sender), system: false);
    }

    /// <summary>Forwards Watch, Unwatch, DeathWatchNotification and Terminate to the remote node.</summary>
    public override void SendSystemMessage(ISystemMessage message)
    {
        switch (message)
        {
            case SystemMessages.Watch watch:
                transport.RememberWatch(watch.Watcher, this);
                transport.Send(this, message, watch.Watcher, system: true);
                break;
            case SystemMessages.Unwatch unwatch:
                transport.ForgetWatch(unwatch.Watcher, this);
                transport.Send(this, message, unwatch.Watcher, system: true);
                break;
            case SystemMessages.DeathWatchNotification or SystemMessages.Terminate:
                transport.Send(this, message, null, system: true);
                break;
            default:
                transport.Log.LogWarning("System message {Message} to remote actor {Actor} was dropped: only Watch, Unwatch, DeathWatchNotification and Terminate cross the network", message, Path);
                break;
        }
    }
}
