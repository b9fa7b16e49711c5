using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class UntypedActorSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed class Counter : UntypedActor
    {
        private int _count;

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case "inc": _count++; break;
                case "get": Sender.Tell(_count); break;
                case "stack": BecomeStacked(Doubling); break;
                case "replace": Become(Ignoring); break;
                default: Unhandled(message); break;
            }
        }

        private void Doubling(object message)
        {
            switch (message)
            {
                case "inc": _count += 2; break;
                case "pop": UnbecomeStacked(); break;
                default: OnReceive(message); break;
            }
        }

        private void Ignoring(object message) => Unhandled(message);
    }

    [Fact]
    public void OnReceive_must_handle_messages_and_Become_must_switch_behaviour()
    {
        var counter = Sys.ActorOf(Props.Create(() => new Counter()));
        counter.Tell("inc");
        counter.Tell("stack");
        counter.Tell("inc");
        counter.Tell("pop");
        counter.Tell("inc");
        counter.Tell("get");
        ExpectMsg(4);
    }

    [Fact]
    public void Unhandled_must_publish_the_message_on_the_event_stream()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(UnhandledMessage));
        var counter = Sys.ActorOf(Props.Create(() => new Counter()));
        counter.Tell("unknown");
        Assert.Equal("unknown", ExpectMsg<UnhandledMessage>().Message);
        counter.Tell("replace");
        counter.Tell("get");
        Assert.Equal("get", ExpectMsg<UnhandledMessage>().Message);
    }
}
