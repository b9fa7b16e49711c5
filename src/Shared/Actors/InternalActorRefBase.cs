// The base of every ref: equality by path and uid, Akka-style ToString, and the implicit-sender
// rule. A remote layer's RemoteActorRef should derive from it so that the refs it resolves are
// equal to the ones local actors already watch.

namespace Dpt.Actors;

/// <summary>Base class for refs (local, special and, later, remote).</summary>
public abstract class InternalActorRefBase : IInternalActorRef, IEquatable<IActorRef>
{
    /// <inheritdoc />
    public abstract ActorPath Path { get; }

    /// <inheritdoc />
    public abstract bool IsLocal { get; }

    /// <inheritdoc />
    public abstract ActorRefProvider? Provider { get; }

    /// <inheritdoc />
    public abstract void Tell(object message, IActorRef? sender = null);

    /// <inheritdoc />
    public abstract void SendSystemMessage(ISystemMessage message);

    /// <summary>The sender a message should carry: <paramref name="sender"/> if given, none for
    /// <see cref="ActorRefs.NoSender"/>, else the actor whose message is being processed on this thread.</summary>
    protected static IActorRef? SenderOrImplicit(IActorRef? sender) =>
        sender switch
        {
            null => ActorCell.Current?.Self ?? ActorRefs.ImplicitSenderOutsideActors,
            NobodyActorRef => null,
            _ => sender,
        };

    public bool Equals(IActorRef? other) =>
        other is not null && Path.Uid == other.Path.Uid && Path.Equals(other.Path);

    public override bool Equals(object? obj) => Equals(obj as IActorRef);

    public override int GetHashCode() => HashCode.Combine(Path, Path.Uid);

    /// <summary>"[dpt://system/user/name#uid]".</summary>
    public override string ToString() => $"[{Path.ToSerializationFormat()}]";
}
