// Well-known refs: Nobody, the "no sender" marker, and the implicit sender used by code that
// runs outside actors (the TestKit makes it its test actor, as Akka.TestKit does).

namespace Dpt.Actors;

/// <summary>Refs that exist in every process.</summary>
public static class ActorRefs
{
    private static readonly AsyncLocal<IActorRef?> s_implicitSender = new();

    /// <summary>A ref to no actor: messages to it are dropped, watching it yields Terminated at once.
    /// <c>Context.Child(name)</c> returns it for an absent child.</summary>
    public static IActorRef Nobody => NobodyActorRef.Instance;

    /// <summary>Pass as the sender to send without one, even from inside an actor; the receiver then
    /// sees its system's dead letters as <c>Sender</c>. (It is <see cref="Nobody"/>.)</summary>
    public static IActorRef NoSender => NobodyActorRef.Instance;

    /// <summary>The sender of a Tell without explicit sender made outside any actor, in this async flow.</summary>
    internal static IActorRef? ImplicitSenderOutsideActors
    {
        get => s_implicitSender.Value;
        set => s_implicitSender.Value = value;
    }
}

/// <summary>The ref behind <see cref="ActorRefs.Nobody"/>.</summary>
internal sealed class NobodyActorRef : InternalActorRefBase
{
    public static readonly NobodyActorRef Instance = new();

    private NobodyActorRef() { }

    public override ActorPath Path { get; } = ActorPath.RootOf(Address.Local("all-systems")) / "Nobody";

    public override bool IsLocal => true;

    public override ActorRefProvider? Provider => null;

    public override void Tell(object message, IActorRef? sender = null) { }

    public override void SendSystemMessage(ISystemMessage message)
    {
        if (message is SystemMessages.Watch watch && watch.Watcher is IInternalActorRef watcher)
            watcher.SendSystemMessage(new SystemMessages.DeathWatchNotification(this, ExistenceConfirmed: false, AddressTerminated: false));
    }
}
