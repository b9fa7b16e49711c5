// The messages every actor understands or may receive from the runtime: PoisonPill, Kill,
// Terminated (death watch) and ReceiveTimeout, plus the marker interfaces that classify messages.

namespace Dpt.Actors;

/// <summary>Marker of user messages the runtime handles itself before the actor's behaviour.</summary>
public interface IAutoReceivedMessage;

/// <summary>Marker of messages that do not reset the receive timeout (<c>Context.SetReceiveTimeout</c>).</summary>
public interface INotInfluenceReceiveTimeout;

/// <summary>Sent by anyone to an actor to stop it once the messages queued before it are processed;
/// messages queued after it go to dead letters.</summary>
public sealed class PoisonPill : IAutoReceivedMessage
{
    /// <summary>The one instance.</summary>
    public static readonly PoisonPill Instance = new();

    private PoisonPill() { }

    public override string ToString() => "<PoisonPill>";
}

/// <summary>Sent by anyone to an actor to make it fail with <see cref="ActorKilledException"/>,
/// which the default supervisor strategy answers by stopping it.</summary>
public sealed class Kill : IAutoReceivedMessage
{
    /// <summary>The one instance.</summary>
    public static readonly Kill Instance = new();

    private Kill() { }

    public override string ToString() => "<Kill>";
}

/// <summary>Sent by the runtime to a watcher when a watched actor has stopped. <paramref name="ExistenceConfirmed"/>
/// is false when the actor was already gone when watched; <paramref name="AddressTerminated"/> is true
/// when its node was declared down. An actor that does not handle it fails with <see cref="DeathPactException"/>.</summary>
public sealed record Terminated(IActorRef ActorRef, bool ExistenceConfirmed, bool AddressTerminated)
    : IAutoReceivedMessage, INotInfluenceReceiveTimeout;

/// <summary>Sent by the runtime to an actor that received no message for its receive timeout.</summary>
public sealed class ReceiveTimeout : INotInfluenceReceiveTimeout
{
    /// <summary>The one instance.</summary>
    public static readonly ReceiveTimeout Instance = new();

    private ReceiveTimeout() { }

    public override string ToString() => "<ReceiveTimeout>";
}
