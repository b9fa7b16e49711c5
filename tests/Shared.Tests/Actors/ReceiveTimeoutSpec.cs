using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class ReceiveTimeoutSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Quiet : INotInfluenceReceiveTimeout;

    private sealed class Idler : ReceiveActor
    {
        public Idler(IActorRef probe, TimeSpan timeout)
        {
            Context.SetReceiveTimeout(timeout);
            Receive<ReceiveTimeout>(_ => probe.Tell("timeout"));
            Receive<string>(s => s == "off", _ =>
            {
                Context.SetReceiveTimeout(null);
                probe.Tell("off");
            });
            Receive<object>(_ => { });
        }
    }

    [Fact]
    public void An_idle_actor_must_receive_ReceiveTimeout_repeatedly()
    {
        Sys.ActorOf(Props.Create(() => new Idler(TestActor, TimeSpan.FromMilliseconds(50))));
        ExpectMsg("timeout");
        ExpectMsg("timeout");
    }

    [Fact]
    public void Messages_must_postpone_the_receive_timeout()
    {
        // Gaps ten times shorter than the timeout, so that a busy machine stretching a 100 ms sleep
        // (seen at load average 10 on 2 cores) still never leaves the actor idle for a whole timeout.
        var idler = Sys.ActorOf(Props.Create(() => new Idler(TestActor, TimeSpan.FromMilliseconds(1000))));
        for (int i = 0; i < 5; i++)
        {
            Thread.Sleep(100);
            idler.Tell("busy");
        }
        ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // 800 ms in, but never 1000 ms idle
        ExpectMsg("timeout", TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void Messages_marked_not_to_influence_it_must_not_postpone_the_receive_timeout()
    {
        var idler = Sys.ActorOf(Props.Create(() => new Idler(TestActor, TimeSpan.FromMilliseconds(300))));
        // 450 ms of quiet messages every 50 ms: the timeout must fire during them, at about 300 ms.
        for (int i = 0; i < 9; i++)
        {
            idler.Tell(new Quiet());
            Thread.Sleep(50);
        }
        ExpectMsg("timeout", TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Turning_the_receive_timeout_off_must_stop_it()
    {
        var idler = Sys.ActorOf(Props.Create(() => new Idler(TestActor, TimeSpan.FromMilliseconds(50))));
        ExpectMsg("timeout");
        idler.Tell("off");
        FishForMessage<string>(s => s == "off"); // a timeout may come before it, none after
        ExpectNoMsg(TimeSpan.FromMilliseconds(150));
    }
}
