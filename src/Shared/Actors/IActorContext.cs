// What an actor sees of the runtime while it processes a message: itself, the sender, its
// family, death watch, behaviour switching and receive timeouts. Only to be used from inside
// the actor (its message handlers, constructor and lifecycle hooks), never from other threads.
using Microsoft.Extensions.Logging;

namespace Dpt.Actors;

/// <summary>A behaviour: returns true when it handled the message.</summary>
public delegate bool Receive(object message);

/// <summary>The actor's view of its cell. Not thread-safe: use it only from the actor itself.</summary>
public interface IActorContext
{
    /// <summary>This actor's ref.</summary>
    IActorRef Self { get; }

    /// <summary>The sender of the message being processed, or dead letters when there is none.</summary>
    IActorRef Sender { get; }

    /// <summary>The supervisor of this actor.</summary>
    IActorRef Parent { get; }

    /// <summary>The actor system this actor belongs to.</summary>
    ActorSystem System { get; }

    /// <summary>The props this actor was created from.</summary>
    Props Props { get; }

    /// <summary>A snapshot of the children that have not yet terminated (including those stopping).</summary>
    IReadOnlyList<IActorRef> Children { get; }

    /// <summary>The child called <paramref name="name"/>, or <see cref="ActorRefs.Nobody"/>.</summary>
    IActorRef Child(string name);

    /// <summary>Creates a child supervised by this actor; <paramref name="name"/> must be unique among
    /// the children (generated as "$a", "$b", ... when null).</summary>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>Stops <paramref name="actor"/> (a child, or this actor) asynchronously, after the
    /// message it is processing; its children stop first, then its PostStop runs.</summary>
    void Stop(IActorRef actor);

    /// <summary>Watches <paramref name="subject"/>: a <see cref="Terminated"/> message arrives when it
    /// stops, at once if it is already gone. Returns <paramref name="subject"/>.</summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>Stops watching <paramref name="subject"/>; a Terminated not yet processed is dropped.</summary>
    IActorRef Unwatch(IActorRef subject);

    /// <summary>Replaces the current behaviour.</summary>
    void Become(Receive receive);

    /// <summary>Pushes a behaviour, to be popped by <see cref="UnbecomeStacked"/>.</summary>
    void BecomeStacked(Receive receive);

    /// <summary>Returns to the behaviour before the last <see cref="BecomeStacked"/>; the initial
    /// behaviour is never popped.</summary>
    void UnbecomeStacked();

    /// <summary>After <paramref name="timeout"/> without a message (other than those marked
    /// <see cref="INotInfluenceReceiveTimeout"/>), the actor receives <see cref="Actors.ReceiveTimeout"/>,
    /// again after each further idle period. Null or zero turns it off.</summary>
    void SetReceiveTimeout(TimeSpan? timeout);

    /// <summary>The current receive timeout, or null.</summary>
    TimeSpan? ReceiveTimeout { get; }

    /// <summary>A logger whose category is the actor's type.</summary>
    ILogger Log { get; }
}
