using System.Linq.Expressions;
using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class PropsSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed class Greeter : ReceiveActor
    {
        public Greeter() : this("hello") { }

        public Greeter(string greeting) => ReceiveAny(m => Sender.Tell($"{greeting} {m}"));
    }

    [Fact]
    public void Props_must_create_actors_from_a_lambda_an_expression_or_a_parameterless_constructor()
    {
        Expression<Func<Greeter>> expression = () => new Greeter("hi");
        foreach (var (props, expected) in new[]
        {
            (Props.Create(() => new Greeter("hey")), "hey you"),
            (Props.Create(expression), "hi you"),
            (Props.Create<Greeter>(), "hello you"),
        })
        {
            Assert.Equal(typeof(Greeter), props.ActorType);
            Sys.ActorOf(props).Tell("you");
            ExpectMsg(expected);
        }
    }

    [Fact]
    public void With_methods_must_return_modified_copies()
    {
        var props = Props.Create<Greeter>();
        var pinned = props.WithDispatcher(Dispatchers.Pinned);
        var supervising = pinned.WithSupervisorStrategy(SupervisorStrategy.StoppingStrategy);
        Assert.Equal((Dispatchers.Default, null), (props.Dispatcher, props.SupervisorStrategy));
        Assert.Equal((Dispatchers.Pinned, (SupervisorStrategy?)null), (pinned.Dispatcher, pinned.SupervisorStrategy));
        Assert.Equal((Dispatchers.Pinned, SupervisorStrategy.StoppingStrategy), (supervising.Dispatcher, supervising.SupervisorStrategy));
        Assert.Equal("Props(Greeter, dispatcher: pinned)", pinned.ToString());
    }

    [Fact]
    public void A_factory_returning_null_must_fail_the_actors_creation()
    {
        var actor = Watch(Sys.ActorOf(Props.Create<Greeter>(() => null!)));
        ExpectTerminated(actor);
    }
}
