// The synchronization context installed while an actor's async handler runs: continuations after
// an await are posted to the actor's own mailbox, so they run one at a time with the rest of the
// actor's work and see its Context and Sender.

namespace Dpt.Actors;

/// <summary>Posts continuations into one actor's mailbox.</summary>
internal sealed class ActorSynchronizationContext(ActorCell cell) : SynchronizationContext
{
    public override void Post(SendOrPostCallback callback, object? state) =>
        cell.Self.SendSystemMessage(new SystemMessages.RunContinuation(callback, state, cell.AsyncGeneration));

    public override SynchronizationContext CreateCopy() => this;
}
