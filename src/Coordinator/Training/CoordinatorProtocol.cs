// Messages the coordinator receives from outside the training loop: workers joining, and a request to stop.
using Dpt.Actors;

namespace Dpt.Coordinator.Training;

public static class CoordinatorProtocol
{
    /// <summary>
    /// Sent to the coordinator for each worker that can take shards: by the local trainer for its worker
    /// actors, by the cluster layer when a worker node is up. The coordinator watches it from then on.
    /// </summary>
    public sealed record RegisterWorker(string Name, IActorRef Worker)
    {
        public override string ToString() => $"RegisterWorker({Name})";
    }

    /// <summary>Sent to the coordinator to end training early: it finishes the current step, takes a checkpoint and stops.</summary>
    public sealed record StopTraining(string Reason);
}
