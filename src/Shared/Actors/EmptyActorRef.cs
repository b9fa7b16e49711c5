// Refs with no actor behind them: a resolved path where no actor lives, and the system's dead
// letters. Messages to them are published as DeadLetter; watching them yields Terminated at once.

namespace Dpt.Actors;

/// <summary>A ref to a path where no actor lives (or no longer lives).</summary>
internal class EmptyActorRef(ActorSystem system, ActorPath path) : InternalActorRefBase
{
    protected ActorSystem System { get; } = system;

    public override ActorPath Path { get; } = path;

    public override bool IsLocal => true;

    public override ActorRefProvider Provider => System.Provider;

    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        System.PublishDeadLetter(message, SenderOrImplicit(sender), this);
    }

    public override void SendSystemMessage(ISystemMessage message)
    {
        if (message is SystemMessages.Watch watch)
            watch.Watcher.SendSystemMessage(new SystemMessages.DeathWatchNotification(watch.Watchee, ExistenceConfirmed: false, AddressTerminated: false));
    }
}

/// <summary>The system's dead letters, "/deadLetters": what Sender is when there is none.</summary>
internal sealed class DeadLetterActorRef(ActorSystem system, ActorPath path) : EmptyActorRef(system, path)
{
    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message is DeadLetter forwarded) System.EventStream.Publish(forwarded);
        else System.PublishDeadLetter(message, SenderOrImplicit(sender), this);
    }
}
