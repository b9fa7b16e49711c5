// The ref of an actor in this process: Tell puts the message straight into its mailbox.

namespace Dpt.Actors;

/// <summary>A ref to a local actor's cell.</summary>
internal sealed class LocalActorRef(ActorPath path, ActorCell cell) : InternalActorRefBase
{
    /// <summary>The cell behind the ref.</summary>
    public ActorCell Cell { get; } = cell;

    public override ActorPath Path { get; } = path;

    public override bool IsLocal => true;

    public override ActorRefProvider Provider => Cell.System.Provider;

    /// <summary>True once the actor has stopped.</summary>
    public bool IsTerminated => Cell.Mailbox.IsClosed;

    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        Cell.Mailbox.Post(message, SenderOrImplicit(sender));
    }

    public override void SendSystemMessage(ISystemMessage message) => Cell.Mailbox.PostSystem(message);
}
