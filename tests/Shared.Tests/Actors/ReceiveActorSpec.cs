using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class ReceiveActorSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed class Typed : ReceiveActor
    {
        public Typed()
        {
            Receive<int>(i => Sender.Tell($"negative {i}"), i => i < 0);
            Receive<int>(i => i > 100, i => Sender.Tell($"large {i}"));
            Receive<int>(i => Sender.Tell($"int {i}"));
            Receive<string>(s => Sender.Tell($"string {s}"));
        }
    }

    [Fact]
    public void The_first_handler_whose_type_and_predicate_match_must_handle_the_message()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Typed()));
        actor.Tell(-1);
        actor.Tell(500);
        actor.Tell(7);
        actor.Tell("x");
        ExpectMsg("negative -1");
        ExpectMsg("large 500");
        ExpectMsg("int 7");
        ExpectMsg("string x");
    }

    [Fact]
    public void A_message_no_handler_matches_must_be_published_as_unhandled()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(UnhandledMessage));
        var actor = Sys.ActorOf(Props.Create(() => new Typed()));
        actor.Tell(3.5);
        var unhandled = ExpectMsg<UnhandledMessage>();
        Assert.Equal((3.5, actor, TestActor), (unhandled.Message, unhandled.Recipient, unhandled.Sender));
    }

    /// <summary>A switch with named behaviours: Off, On (replacing) and a stacked Paused.</summary>
    private sealed class Switch : ReceiveActor
    {
        public Switch() => Off();

        private void Off()
        {
            Receive<string>(s => s == "on", _ => Become(On));
            Receive<string>(s => s == "state", _ => Sender.Tell("off"));
        }

        private void On()
        {
            Receive<string>(s => s == "off", _ => Become(Off));
            Receive<string>(s => s == "pause", _ => BecomeStacked(Paused));
            Receive<string>(s => s == "state", _ => Sender.Tell("on"));
        }

        private void Paused()
        {
            Receive<string>(s => s == "resume", _ => UnbecomeStacked());
            Receive<string>(s => s == "state", _ => Sender.Tell("paused"));
        }
    }

    [Fact]
    public void Become_must_replace_the_behaviour_and_BecomeStacked_must_return_on_Unbecome()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Switch()));
        foreach (var (command, state) in new[] { ("", "off"), ("on", "on"), ("pause", "paused"), ("resume", "on"), ("off", "off"), ("on", "on") })
        {
            if (command.Length > 0) actor.Tell(command);
            actor.Tell("state");
            ExpectMsg(state);
        }
    }

    [Fact]
    public void Unbecome_must_never_pop_the_last_behaviour()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Switch()));
        actor.Tell("on");
        actor.Tell("pause");
        actor.Tell("resume");
        actor.Tell("resume"); // unhandled in On: nothing to pop
        actor.Tell("state");
        ExpectMsg("on");
    }

    private sealed class LateRegistration : ReceiveActor
    {
        public LateRegistration()
        {
            Receive<string>(_ =>
            {
                try
                {
                    Receive<int>(_ => { });
                }
                catch (InvalidOperationException e)
                {
                    Sender.Tell(e.Message);
                }
            });
        }
    }

    [Fact]
    public void Registering_a_handler_outside_the_constructor_or_Become_must_throw()
    {
        Sys.ActorOf(Props.Create(() => new LateRegistration())).Tell("go");
        Assert.Contains("only be registered in the constructor", ExpectMsg<string>());
    }

    private sealed class AfterCatchAll : ReceiveActor
    {
        public AfterCatchAll(IActorRef probe)
        {
            ReceiveAny(_ => { });
            try
            {
                Receive<int>(_ => { });
            }
            catch (InvalidOperationException e)
            {
                probe.Tell(e.Message);
            }
        }
    }

    [Fact]
    public void A_handler_registered_after_ReceiveAny_must_be_refused_as_unreachable()
    {
        Sys.ActorOf(Props.Create(() => new AfterCatchAll(TestActor)));
        Assert.Contains("could never run", ExpectMsg<string>());
    }

    /// <summary>Awaits inside its handler; records the order of starts and ends.</summary>
    private sealed class Awaiting : ReceiveActor
    {
        private readonly IActorRef _probe;

        public Awaiting(IActorRef probe)
        {
            _probe = probe;
            ReceiveAsync<string>(async s =>
            {
                probe.Tell($"start {s}");
                await Task.Delay(30);
                await Task.Yield();
                // After the awaits, Sender is still this message's sender and Context still works.
                Sender.Tell($"reply {s}");
                probe.Tell($"end {s} on {Context.Self.Path.Name}");
            });
            ReceiveAsync<int>(async _ =>
            {
                await Task.Delay(10);
                throw new InvalidOperationException("async failure");
            });
        }

        protected override void PostRestart(Exception reason) => _probe.Tell($"restarted after {reason.Message}");
    }

    [Fact]
    public void ReceiveAsync_must_hold_further_messages_until_its_task_completes()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Awaiting(TestActor)), "awaiting");
        var replies = CreateTestProbe();
        actor.Tell("a", replies.Ref);
        actor.Tell("b", replies.Ref);
        ExpectMsg("start a");
        ExpectMsg("end a on awaiting");
        ExpectMsg("start b");
        ExpectMsg("end b on awaiting");
        replies.ExpectMsg("reply a");
        replies.ExpectMsg("reply b");
    }

    [Fact]
    public void A_failing_ReceiveAsync_task_must_fail_the_actor_like_a_synchronous_handler()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Awaiting(TestActor)));
        actor.Tell(1);
        actor.Tell("after");
        ExpectMsg("restarted after async failure");
        ExpectMsg("start after");
    }
}
