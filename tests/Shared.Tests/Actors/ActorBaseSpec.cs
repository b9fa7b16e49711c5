using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class ActorBaseSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    /// <summary>Reports its construction and each lifecycle hook to a probe.</summary>
    private sealed class LifecycleActor : ReceiveActor
    {
        private readonly IActorRef _probe;

        public LifecycleActor(IActorRef probe)
        {
            _probe = probe;
            _probe.Tell("ctor");
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("boom"));
            Receive<string>(s => _probe.Tell($"got {s}"));
        }

        protected override void PreStart() => _probe.Tell("PreStart");

        protected override void PostStop() => _probe.Tell("PostStop");

        protected override void PreRestart(Exception reason, object? message)
        {
            _probe.Tell($"PreRestart {reason.Message} {message}");
            base.PreRestart(reason, message);
        }

        protected override void PostRestart(Exception reason)
        {
            _probe.Tell($"PostRestart {reason.Message}");
            base.PostRestart(reason);
        }
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }

    [Fact]
    public void Lifecycle_hooks_must_run_in_Akka_order_across_start_restart_and_stop()
    {
        var actor = Sys.ActorOf(Props.Create(() => new LifecycleActor(TestActor)));
        ExpectMsg("ctor");
        ExpectMsg("PreStart");
        actor.Tell("fail");
        ExpectMsg("PreRestart boom fail");
        ExpectMsg("PostStop"); // the default PreRestart calls PostStop
        ExpectMsg("ctor");
        ExpectMsg("PostRestart boom");
        ExpectMsg("PreStart"); // the default PostRestart calls PreStart
        Sys.Stop(actor);
        ExpectMsg("PostStop");
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Restart_must_keep_the_mailbox_and_drop_only_the_failing_message()
    {
        var actor = Sys.ActorOf(Props.Create(() => new LifecycleActor(TestActor)));
        ReceiveN(2);
        actor.Tell("fail");
        actor.Tell("a");
        actor.Tell("b");
        FishForMessage<string>(s => s == "PreStart");
        ExpectMsg("got a");
        ExpectMsg("got b");
    }

    [Fact]
    public void PoisonPill_must_stop_the_actor_after_the_messages_before_it_and_dead_letter_those_after()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(DeadLetter));
        var actor = Watch(Sys.ActorOf(Props.Create(() => new LifecycleActor(TestActor))));
        ReceiveN(2);
        actor.Tell("before");
        actor.Tell(PoisonPill.Instance);
        actor.Tell("after");
        ExpectMsg("got before");
        var rest = ReceiveN(3);
        Assert.Contains("PostStop", rest);
        Assert.Contains(rest, m => m is Terminated t && t.ActorRef.Equals(actor));
        Assert.Contains(rest, m => m is DeadLetter { Message: "after" } d && d.Recipient.Equals(actor));
    }

    [Fact]
    public void Kill_must_stop_the_actor_under_the_default_strategy()
    {
        var actor = Watch(Sys.ActorOf(Props.Create(() => new LifecycleActor(TestActor))));
        ReceiveN(2);
        actor.Tell(Kill.Instance);
        ExpectMsg("PostStop");
        ExpectTerminated(actor);
    }

    [Fact]
    public void An_actor_must_refuse_to_be_constructed_outside_ActorOf()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new Echo());
        Assert.Contains("ActorOf", error.Message);
    }

    [Fact]
    public void A_props_factory_that_reuses_an_instance_must_fail_the_second_creation()
    {
        Echo? cached = null;
        var props = Props.Create(() => cached ??= new Echo());
        var first = Sys.ActorOf(props);
        first.Tell("ping");
        ExpectMsg("ping");
        var second = Watch(Sys.ActorOf(props));
        ExpectTerminated(second);
    }

    [Fact]
    public void Sender_must_be_dead_letters_for_a_message_sent_without_sender()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(DeadLetter));
        var echo = Sys.ActorOf(Props.Create(() => new Echo()), "echo");
        echo.Tell("reply to nobody", ActorRefs.NoSender);
        var deadLetter = ExpectMsg<DeadLetter>();
        Assert.Equal("reply to nobody", deadLetter.Message);
        Assert.Equal(echo, deadLetter.Sender);
        Assert.Equal(Sys.DeadLetters, deadLetter.Recipient);
    }


    [Fact]
    public void Tell_inside_an_actor_must_carry_that_actor_as_implicit_sender()
    {
        var relay = Sys.ActorOf(Props.Create(() => new ImplicitSender(TestActor)));
        relay.Tell("hi");
        ExpectMsg("hi");
        Assert.Equal(relay, LastSender);
    }

    private sealed class ImplicitSender : ReceiveActor
    {
        public ImplicitSender(IActorRef target) => Receive<string>(s => target.Tell(s));
    }

    [Fact]
    public void Tell_from_the_test_thread_must_carry_the_TestActor_as_implicit_sender()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()));
        echo.Tell("back to the test actor");
        ExpectMsg("back to the test actor");
    }

    private sealed class Family : ReceiveActor
    {
        public Family()
        {
            Context.ActorOf(Props.Create(() => new Echo()), "kid");
            Receive<string>(s => s == "children", _ => Sender.Tell(string.Join(",", Context.Children.Select(c => c.Path.Name))));
            Receive<string>(s => Sender.Tell(Context.Child(s)));
            Receive<int>(_ => Sender.Tell(Context.Parent));
        }
    }

    [Fact]
    public void Context_must_expose_children_by_name_and_the_parent()
    {
        var family = Sys.ActorOf(Props.Create(() => new Family()), "family");
        family.Tell("children");
        ExpectMsg("kid");
        family.Tell("kid");
        var kid = ExpectMsg<IActorRef>();
        Assert.Equal("dpt://ActorBaseSpec/user/family/kid", kid.Path.ToString());
        family.Tell("nobody-here");
        Assert.Equal(ActorRefs.Nobody, ExpectMsg<IActorRef>());
        family.Tell(0);
        Assert.Equal("/user", ExpectMsg<IActorRef>().Path.ToStringWithoutAddress());
    }

    private sealed class Reborn : ReceiveActor
    {
        public Reborn(IActorRef probe)
        {
            // Each incarnation recreates a child of the same name: the restart must wait for the old one.
            var child = Context.ActorOf(Props.Create(() => new Echo()), "same-name");
            probe.Tell(child);
            Receive<string>(_ => throw new InvalidOperationException("restart me"));
        }
    }

    [Fact]
    public void Restart_must_stop_children_by_default_so_the_new_instance_can_reuse_their_names()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Reborn(TestActor)));
        var first = Watch(ExpectMsg<IActorRef>());
        actor.Tell("fail");
        var rest = ReceiveN(2);
        Assert.Contains(rest, m => m is Terminated t && t.ActorRef.Equals(first));
        var second = Assert.Single(rest.OfType<IActorRef>());
        Assert.Equal(first.Path, second.Path);
        Assert.NotEqual(first, second); // a new incarnation
    }
}
