using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class DeathWatchSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed class Idle : ReceiveActor
    {
        public Idle(IActorRef? reportPostStopTo = null, string? name = null)
        {
            ReportTo = reportPostStopTo;
            Name = name;
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("fail"));
            Receive<string>(s => s == "child", _ => Sender.Tell(Context.ActorOf(Props.Create(() => new Idle(ReportTo, "child")), "child")));
        }

        private IActorRef? ReportTo { get; }

        private string? Name { get; }

        protected override void PostStop() => ReportTo?.Tell($"{Name} stopped");
    }

    /// <summary>Watches what it is told to and reports the Terminated messages it receives.</summary>
    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef report)
        {
            Receive<IActorRef>(target => { Context.Watch(target); Sender.Tell("watching"); });
            Receive<(string Command, IActorRef Target)>(c => c.Command == "unwatch", c => { Context.Unwatch(c.Target); Sender.Tell("unwatched"); });
            Receive<ManualResetEventSlim>(gate =>
            {
                Sender.Tell("blocked");
                gate.Wait(TimeSpan.FromSeconds(10));
            });
            Receive<Terminated>(t => report.Tell(t));
        }
    }

    private IActorRef WatcherOf(IActorRef target, IActorRef? report = null)
    {
        var watcher = Sys.ActorOf(Props.Create(() => new Watcher(report ?? TestActor)));
        watcher.Tell(target);
        ExpectMsg("watching");
        return watcher;
    }

    private IActorRef NewIdle() => Sys.ActorOf(Props.Create(() => new Idle(null, null)));

    [Fact]
    public void Watcher_must_receive_Terminated_when_the_watched_actor_is_stopped()
    {
        var target = NewIdle();
        var watcher = WatcherOf(target);
        Sys.Stop(target);
        var terminated = ExpectMsg<Terminated>();
        Assert.Equal(new Terminated(target, ExistenceConfirmed: true, AddressTerminated: false), terminated);
        Assert.Equal(watcher, LastSender);
    }

    [Fact]
    public void Watcher_must_receive_Terminated_when_the_watched_actor_takes_a_PoisonPill()
    {
        var target = NewIdle();
        WatcherOf(target);
        target.Tell(PoisonPill.Instance);
        Assert.Equal(target, ExpectMsg<Terminated>().ActorRef);
    }

    [Fact]
    public void Watcher_must_receive_Terminated_when_the_watched_actor_is_stopped_by_its_supervisor()
    {
        var target = Sys.ActorOf(Props.Create(() => new Idle(null, null)).WithDispatcher(Dispatchers.Pinned));
        WatcherOf(target);
        target.Tell(Kill.Instance);
        Assert.Equal(target, ExpectMsg<Terminated>().ActorRef);
    }

    [Fact]
    public async Task Watcher_must_receive_Terminated_when_the_watched_actors_system_terminates()
    {
        // The watcher lives in another system: one being stopped itself would drop queued messages.
        var other = ActorSystem.Create("other");
        var target = Watch(other.ActorOf(Props.Create(() => new Idle(null, null)), "target"));
        await other.Terminate().WaitAsync(DefaultTimeout);
        ExpectTerminated(target);
    }

    [Fact]
    public void Watching_an_actor_that_is_already_dead_must_deliver_Terminated_at_once()
    {
        var target = Watch(NewIdle());
        Sys.Stop(target);
        ExpectTerminated(target);
        WatcherOf(target);
        Assert.Equal(new Terminated(target, ExistenceConfirmed: false, AddressTerminated: false), ExpectMsg<Terminated>());
    }

    [Fact]
    public void Watching_a_path_where_no_actor_lives_must_deliver_Terminated_at_once()
    {
        var ghost = Sys.Provider.ResolveActorRef("dpt://DeathWatchSpec/user/never-created");
        WatcherOf(ghost);
        Assert.Equal(ghost, ExpectMsg<Terminated>().ActorRef);
    }

    [Fact]
    public void Unwatch_must_prevent_Terminated()
    {
        var target = NewIdle();
        var watcher = WatcherOf(target);
        watcher.Tell(("unwatch", target));
        ExpectMsg("unwatched");
        Sys.Stop(target);
        ExpectNoMsg(TimeSpan.FromMilliseconds(150));
    }

    [Fact]
    public void Unwatch_must_drop_a_Terminated_that_is_already_queued()
    {
        var target = Watch(NewIdle());
        var report = CreateTestProbe();
        var watcher = WatcherOf(target, report.Ref);
        using var gate = new ManualResetEventSlim(false);
        watcher.Tell(gate); // the watcher blocks, so the death notification waits in its mailbox
        ExpectMsg("blocked");
        Sys.Stop(target);
        ExpectTerminated(target);
        Thread.Sleep(50); // let the notification to the watcher (sent right after ours) arrive
        watcher.Tell(("unwatch", target));
        gate.Set();
        ExpectMsg("unwatched");
        report.ExpectNoMsg(TimeSpan.FromMilliseconds(150));
    }

    private sealed class DeathPact : ReceiveActor
    {
        public DeathPact(IActorRef target)
        {
            Context.Watch(target);
            Receive<string>(_ => { });
        }
    }

    private sealed class CauseReporter : ReceiveActor
    {
        public CauseReporter(IActorRef report, IActorRef target, IActorRef refs)
        {
            refs.Tell(Context.ActorOf(Props.Create(() => new DeathPact(target)), "pact"));
            Receive<string>(_ => { });
            Strategy = new OneForOneStrategy(e =>
            {
                report.Tell(e.GetType().Name);
                return Dpt.Actors.SupervisorStrategy.DefaultDecider(e);
            });
        }

        private SupervisorStrategy Strategy { get; }

        protected override SupervisorStrategy SupervisorStrategy() => Strategy;
    }

    [Fact]
    public void An_unhandled_Terminated_must_stop_the_watcher_with_DeathPactException()
    {
        var target = NewIdle();
        var report = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new CauseReporter(report.Ref, target, TestActor)));
        var pact = Watch(ExpectMsg<IActorRef>());
        Sys.Stop(target);
        report.ExpectMsg(nameof(DeathPactException));
        ExpectTerminated(pact);
    }

    [Fact]
    public void Stopping_must_stop_children_first_then_run_PostStop_then_notify_watchers()
    {
        var parent = Watch(Sys.ActorOf(Props.Create(() => new Idle(TestActor, "parent"))));
        parent.Tell("child");
        ExpectMsg<IActorRef>();
        Sys.Stop(parent);
        ExpectMsg("child stopped");
        ExpectMsg("parent stopped");
        ExpectTerminated(parent);
    }

    private sealed class WatchingParent : ReceiveActor
    {
        public WatchingParent(IActorRef report)
        {
            var child = Context.Watch(Context.ActorOf(Props.Create(() => new Idle(null, null)), "child"));
            Receive<string>(_ => Context.Stop(child));
            Receive<Terminated>(t => report.Tell(t));
        }
    }

    [Fact]
    public void A_parent_watching_its_child_must_receive_exactly_one_Terminated()
    {
        var parent = Sys.ActorOf(Props.Create(() => new WatchingParent(TestActor)));
        parent.Tell("stop your child");
        Assert.Equal("child", ExpectMsg<Terminated>().ActorRef.Path.Name);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Messages_sent_to_a_stopped_actor_must_go_to_dead_letters()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(DeadLetter));
        var target = Watch(NewIdle());
        Sys.Stop(target);
        ExpectTerminated(target);
        target.Tell("late");
        var deadLetter = ExpectMsg<DeadLetter>();
        Assert.Equal(("late", target), (deadLetter.Message, deadLetter.Recipient));
    }
}
