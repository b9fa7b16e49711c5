// The handle through which actors are addressed. The same interface stands for an actor in
// this process and, once a remote layer is plugged in, for one on another node.

namespace Dpt.Actors;

/// <summary>An immutable, thread-safe handle to an actor, wherever it runs. Two refs are equal
/// when they name the same path and the same incarnation (uid).</summary>
public interface IActorRef
{
    /// <summary>The actor's path, including its uid.</summary>
    ActorPath Path { get; }

    /// <summary>Sends <paramref name="message"/> without waiting (fire and forget). Messages from one
    /// sender to one receiver arrive in the order sent. With <paramref name="sender"/> null, the sender
    /// is the current actor when called from inside one (as in Akka), otherwise none; pass
    /// <see cref="ActorRefs.NoSender"/> to send without a sender from inside an actor.</summary>
    void Tell(object message, IActorRef? sender = null);
}
