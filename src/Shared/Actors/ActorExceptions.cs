// The exceptions the runtime throws or hands to supervisors.

namespace Dpt.Actors;

/// <summary>An actor's constructor, PreStart or PostRestart threw; the default strategy stops it.</summary>
public sealed class ActorInitializationException(IActorRef? actor, string message, Exception? inner)
    : Exception(message, inner)
{
    /// <summary>The actor that could not be initialised, if known.</summary>
    public IActorRef? Actor { get; } = actor;
}

/// <summary>Thrown inside an actor that received <see cref="Kill"/>; the default strategy stops it.</summary>
public sealed class ActorKilledException(string message) : Exception(message);

/// <summary>Thrown inside an actor that did not handle the <see cref="Terminated"/> of an actor it
/// watched; the default strategy stops it.</summary>
public sealed class DeathPactException(IActorRef deadActor)
    : Exception($"actor {deadActor} terminated and the watcher did not handle its Terminated message")
{
    /// <summary>The watched actor that terminated.</summary>
    public IActorRef DeadActor { get; } = deadActor;
}

/// <summary>An actor name is empty, has a forbidden character, starts with '$' or is already taken.</summary>
public sealed class InvalidActorNameException(string message) : ArgumentException(message);

/// <summary>An Ask received no reply in time.</summary>
public sealed class AskTimeoutException(string message) : TimeoutException(message);
