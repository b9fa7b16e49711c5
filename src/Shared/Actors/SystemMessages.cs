// The system messages: the runtime's own protocol between actor cells, processed before any
// user message. The public ones cross the network through a remote layer; the internal ones
// only travel between a parent and its children, which always share a process.

namespace Dpt.Actors;

/// <summary>Marker of a system message, sent through <see cref="IInternalActorRef.SendSystemMessage"/>.</summary>
public interface ISystemMessage;

/// <summary>The system messages of the runtime.</summary>
public static class SystemMessages
{
    /// <summary>Sent by a watcher to the actor it starts watching (<c>Context.Watch</c>); the watchee
    /// answers with <see cref="DeathWatchNotification"/> when it stops, or at once if it is already gone.</summary>
    public sealed record Watch(IInternalActorRef Watchee, IInternalActorRef Watcher) : ISystemMessage;

    /// <summary>Sent by a watcher to the watched actor when it stops watching (<c>Context.Unwatch</c>).</summary>
    public sealed record Unwatch(IInternalActorRef Watchee, IInternalActorRef Watcher) : ISystemMessage;

    /// <summary>Sent to an actor to stop it (<c>Context.Stop</c>, PoisonPill, a supervisor's Stop directive).</summary>
    public sealed record Terminate : ISystemMessage
    {
        /// <summary>The one instance.</summary>
        public static readonly Terminate Instance = new();

        private Terminate() { }
    }

    /// <summary>Sent by a stopped actor to each watcher and to its parent, or by a remote layer on
    /// its behalf (<paramref name="AddressTerminated"/> true when its node was declared down); the
    /// watcher turns it into a <see cref="Terminated"/> message.</summary>
    public sealed record DeathWatchNotification(IActorRef Actor, bool ExistenceConfirmed, bool AddressTerminated) : ISystemMessage;

    /// <summary>Sent by the runtime to a new actor's cell to construct the actor and run PreStart.</summary>
    internal sealed record Create : ISystemMessage
    {
        public static readonly Create Instance = new();

        private Create() { }
    }

    /// <summary>Sent by a supervisor to a failed (or, under AllForOne, suspended) child to restart it.</summary>
    internal sealed record Recreate(Exception Cause) : ISystemMessage;

    /// <summary>Sent by a failing actor to its children (recursively) so they stop processing user messages.</summary>
    internal sealed record Suspend : ISystemMessage
    {
        public static readonly Suspend Instance = new();

        private Suspend() { }
    }

    /// <summary>Undoes one <see cref="Suspend"/>; with <paramref name="CausedByFailure"/> set it is the
    /// supervisor's Resume directive and clears the recipient's own failure instead.</summary>
    internal sealed record Resume(Exception? CausedByFailure) : ISystemMessage
    {
        public static readonly Resume AfterSuspend = new((Exception?)null);
    }

    /// <summary>Sent by a failed child to its parent, which applies its supervisor strategy (the ref
    /// carries the uid, so a report from an earlier incarnation is recognised as stale).</summary>
    internal sealed record Failed(IInternalActorRef Child, Exception Cause) : ISystemMessage;

    /// <summary>Sent by the ref provider to every actor that watches refs at <paramref name="Address"/>
    /// when the remote layer declares that node down.</summary>
    internal sealed record AddressTerminated(Address Address) : ISystemMessage;

    /// <summary>Posted by an actor's synchronization context: the continuation of an awaited task
    /// inside ReceiveAsync, run in the actor's mailbox so it never overlaps other work of the actor.</summary>
    internal sealed record RunContinuation(SendOrPostCallback Callback, object? State, int Generation) : ISystemMessage;

    /// <summary>Sent when the task of a ReceiveAsync handler completes, to resume the mailbox.</summary>
    internal sealed record AsyncTaskCompleted(Task Task, int Generation) : ISystemMessage;
}
