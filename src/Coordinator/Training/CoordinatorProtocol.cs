// Messages the coordinator receives from outside the training loop: workers joining, and a request to stop.
using Dpt.Actors;

namespace Dpt.Coordinator.Training;

public static class CoordinatorProtocol
{
    /// <summary>
    /// Sent to the coordinator for each worker that can take shards: by the local trainer for its worker
    /// actors, by the cluster layer when a worker node is up. The coordinator watches it from then on.
    /// </summary>
    /// <param name="Incarnation">The uid of the worker's node incarnation (0 in one process). A node restarted at
    /// the same address resolves to refs equal to the old ones (a path names no incarnation), so this is what tells
    /// its registration from a repeated one.</param>
    public sealed record RegisterWorker(string Name, IActorRef Worker, long Incarnation = 0)
    {
        public override string ToString() => $"RegisterWorker({Name})";
    }

    /// <summary>Sent to the coordinator to end training early: it finishes the current step, takes a checkpoint and stops.</summary>
    public sealed record StopTraining(string Reason);
}
