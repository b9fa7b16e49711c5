// The worker node's mailbox for news about the run as a whole: the coordinator says when the run is over,
// and the node then leaves and exits instead of waiting to join a coordinator that is gone for good.
using Dpt.Actors;
using static Dpt.Training.Join.JoinProtocol;

namespace Dpt.Worker.Cluster;

internal sealed class WorkerNodeActor : ReceiveActor
{
    public WorkerNodeActor(TaskCompletionSource<string> runEnded)
    {
        Receive<RunEnded>(e => runEnded.TrySetResult(e.Reason));
    }

    public static Props Props(TaskCompletionSource<string> runEnded) => Actors.Props.Create(() => new WorkerNodeActor(runEnded));
}
