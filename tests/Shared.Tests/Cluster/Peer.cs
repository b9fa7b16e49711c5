// A stand-in for another node's cluster daemon in daemon specs: it answers heartbeats while told to,
// forwards every other message to a probe, and sends what the test tells it to, as itself.
using Dpt.Actors;
using Dpt.Cluster;
using static Dpt.Cluster.ClusterProtocol;

namespace Dpt.Shared.Tests.Cluster;

internal sealed class Peer : ReceiveActor
{
    /// <summary>Sent by a test: answer heartbeats (true) or stay silent (false).</summary>
    public sealed record Answer(bool On);

    /// <summary>Sent by a test: send <paramref name="Message"/> to <paramref name="Target"/> with the peer as sender.</summary>
    public sealed record Send(IActorRef Target, object Message);

    private bool _answering;

    public Peer(UniqueAddress self, IActorRef probe, bool answering)
    {
        _answering = answering;
        Receive<Answer>(a => _answering = a.On);
        Receive<Send>(s => s.Target.Tell(s.Message, Self));
        Receive<Heartbeat>(h =>
        {
            if (_answering) Sender.Tell(new HeartbeatResponse(self, h.Sequence), Self);
        });
        Receive<HeartbeatResponse>(_ => { });
        ReceiveAny(m => probe.Tell(m, Sender));
    }

    /// <summary>Options with 20 ms heartbeats, so detection takes well under a second, and enough
    /// acceptable pause that a loaded 2-core machine does not make an answering peer look dead.</summary>
    public static ClusterOptions FastOptions { get; } = ClusterOptions.Default with
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(20),
        AcceptableHeartbeatPause = TimeSpan.FromMilliseconds(400),
        MinStdDeviation = TimeSpan.FromMilliseconds(20),
        AutoDownUnreachableAfter = TimeSpan.FromMilliseconds(300),
        RetryJoinInterval = TimeSpan.FromMilliseconds(50),
        JoinTimeout = TimeSpan.FromSeconds(5),
        LeaveTimeout = TimeSpan.FromSeconds(2),
    };

    public static UniqueAddress Node(int port, long uid = 1) => new(Address.Remote("dpt", "10.0.0.2", port), uid);

    public static Join JoinOf(UniqueAddress node, int version = ClusterProtocol.CurrentVersion, string role = "worker") =>
        new(node, version, new HashSet<string> { role }, new Dictionary<string, string> { ["cores"] = "2" });
}
