// The worker node's mailbox for news about the run as a whole: the coordinator says when the run is over,
// and the node then leaves and exits instead of waiting to join a coordinator that is gone for good; and
// the transport says when the coordinator's node refused this node's connection (a wrong cluster secret,
// another protocol version), which no retry can mend.
using Dpt.Actors;
using Dpt.Remoting;
using static Dpt.Training.Join.JoinProtocol;

namespace Dpt.Worker.Cluster;

internal sealed class WorkerNodeActor : ReceiveActor
{
    private readonly Address _coordinator;

    public WorkerNodeActor(Address coordinator, TaskCompletionSource<string> runEnded, TaskCompletionSource<string> refused)
    {
        _coordinator = coordinator;
        Receive<RunEnded>(e => runEnded.TrySetResult(e.Reason));
        Receive<RemotingEvents.ConnectionRefused>(r => _coordinator.Equals(r.Dialed), r => { refused.TrySetResult(r.Reason); });
    }

    public static Props Props(Address coordinator, TaskCompletionSource<string> runEnded, TaskCompletionSource<string> refused) =>
        Actors.Props.Create(() => new WorkerNodeActor(coordinator, runEnded, refused));

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(RemotingEvents.ConnectionRefused));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
