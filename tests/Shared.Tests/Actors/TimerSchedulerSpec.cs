using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class TimerSchedulerSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Single(string Key, string Message, int DelayMs);

    private sealed record Periodic(string Key, string Message, int IntervalMs);

    private sealed record Cancel(string Key);

    private sealed record IsActive(string Key);

    /// <summary>Starts the timers it is told to and forwards timer messages to the probe.
    /// "race" arms a timer, lets its message reach the mailbox, then replaces or cancels it.</summary>
    private sealed class Timed : ReceiveActor, IWithTimers
    {
        public Timed(IActorRef probe, bool startInConstructor = false)
        {
            if (startInConstructor) Timers.StartSingleTimer("ctor", "from constructor", TimeSpan.FromMilliseconds(10));
            Receive<Single>(s => Timers.StartSingleTimer(s.Key, s.Message, TimeSpan.FromMilliseconds(s.DelayMs)));
            Receive<Periodic>(p => Timers.StartPeriodicTimer(p.Key, p.Message, TimeSpan.FromMilliseconds(p.IntervalMs)));
            Receive<Cancel>(c => Timers.Cancel(c.Key));
            Receive<IsActive>(a => Sender.Tell(Timers.IsTimerActive(a.Key)));
            Receive<string>(s => s == "replace-queued", _ =>
            {
                Timers.StartSingleTimer("k", "stale", TimeSpan.FromMilliseconds(1));
                Thread.Sleep(50); // the stale message is now in the mailbox, behind this one
                Timers.StartSingleTimer("k", "fresh", TimeSpan.FromMilliseconds(1));
            });
            Receive<string>(s => s == "cancel-queued", _ =>
            {
                Timers.StartSingleTimer("k", "stale", TimeSpan.FromMilliseconds(1));
                Thread.Sleep(50);
                Timers.Cancel("k");
                Sender.Tell(Timers.ActiveTimers.Count);
            });
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("restart"));
            Receive<string>(s => probe.Tell(s));
        }

        public ITimerScheduler Timers { get; set; } = null!;
    }

    private IActorRef NewTimed(bool startInConstructor = false) =>
        Sys.ActorOf(Props.Create(() => new Timed(TestActor, startInConstructor)).WithDispatcher(Dispatchers.Pinned));

    [Fact]
    public void A_single_timer_must_deliver_once_and_then_be_inactive()
    {
        var actor = NewTimed();
        actor.Tell(new Single("k", "tick", 20));
        ExpectMsg("tick");
        ExpectNoMsg(TimeSpan.FromMilliseconds(60));
        actor.Tell(new IsActive("k"));
        ExpectMsg(false);
    }

    [Fact]
    public void Timers_must_be_usable_in_the_constructor()
    {
        NewTimed(startInConstructor: true);
        ExpectMsg("from constructor");
    }

    [Fact]
    public void A_periodic_timer_must_deliver_until_cancelled_and_not_once_after()
    {
        var actor = NewTimed();
        actor.Tell(new Periodic("k", "tick", 15));
        ExpectMsgAllOf("tick", "tick", "tick");
        actor.Tell(new Cancel("k"));
        actor.Tell(new IsActive("k"));
        // Ticks forwarded before the Cancel may still arrive; none may follow the answer.
        Assert.False(FishForMessage<bool>(_ => true));
        ExpectNoMsg(TimeSpan.FromMilliseconds(80));
    }

    [Fact]
    public void Restarting_a_timer_must_replace_it()
    {
        var actor = NewTimed();
        actor.Tell(new Single("k", "first", 100));
        actor.Tell(new Single("k", "second", 20));
        ExpectMsg("second");
        ExpectNoMsg(TimeSpan.FromMilliseconds(150)); // past the moment "first" was due
    }

    [Fact]
    public void A_replaced_timers_message_must_not_be_delivered_even_if_already_queued()
    {
        NewTimed().Tell("replace-queued");
        ExpectMsg("fresh");
        ExpectNoMsg(TimeSpan.FromMilliseconds(80));
    }

    [Fact]
    public void A_cancelled_timers_message_must_not_be_delivered_even_if_already_queued()
    {
        NewTimed().Tell("cancel-queued");
        ExpectMsg(0);
        ExpectNoMsg(TimeSpan.FromMilliseconds(80));
    }

    [Fact]
    public void Timers_must_be_cancelled_when_the_actor_stops()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(DeadLetter));
        var actor = Watch(NewTimed());
        actor.Tell(new Periodic("k", "tick", 10));
        ExpectMsg("tick");
        Sys.Stop(actor);
        // Ticks queued at the stop become dead letters before the Terminated; a timer still
        // running afterwards would keep producing dead letters.
        FishForMessage<Terminated>(_ => true);
        ExpectNoMsg(TimeSpan.FromMilliseconds(80));
    }

    [Fact]
    public void Timers_must_be_cancelled_when_the_actor_restarts()
    {
        var actor = NewTimed();
        actor.Tell(new Periodic("k", "tick", 10));
        ExpectMsg("tick");
        actor.Tell("fail");
        actor.Tell(new IsActive("k"));
        Assert.False(FishForMessage<bool>(_ => true));
        ExpectNoMsg(TimeSpan.FromMilliseconds(80));
    }
}
