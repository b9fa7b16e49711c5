// The runtime's side of an actor ref: the channel for system messages (watch, unwatch, stop,
// death notifications). This is the seam a remote layer implements: a RemoteActorRef is an
// IActorRef + IInternalActorRef (usually by deriving from InternalActorRefBase) that forwards
// user messages and the public system messages in SystemMessages over the network.

namespace Dpt.Actors;

/// <summary>Runtime API, not for actors: a ref that also accepts system messages. Every ref the
/// runtime hands out implements it. A remote ref must forward <see cref="SystemMessages.Watch"/>,
/// <see cref="SystemMessages.Unwatch"/>, <see cref="SystemMessages.Terminate"/> and
/// <see cref="SystemMessages.DeathWatchNotification"/>; the other system messages only ever go to
/// local refs (a parent and its children always live in one process).</summary>
public interface IInternalActorRef : IActorRef
{
    /// <summary>Delivers a system message; system messages are processed before user messages.</summary>
    void SendSystemMessage(ISystemMessage message);

    /// <summary>True when the actor lives in this process.</summary>
    bool IsLocal { get; }

    /// <summary>The provider of the local actor system this ref belongs to (for a remote ref: the
    /// system that resolved it), used by Ask to create its temporary ref; null for Nobody.</summary>
    ActorRefProvider? Provider { get; }
}
