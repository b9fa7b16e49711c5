using System.Diagnostics;
using System.Runtime.CompilerServices;
using Dpt.Actors;
using Dpt.TestKit;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class SupervisorStrategySpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Make(Props Props, string Name);

    /// <summary>Creates the children it is asked for and replies with their refs.</summary>
    private class Supervisor : ReceiveActor
    {
        public Supervisor(IActorRef? lifecycle = null)
        {
            Lifecycle = lifecycle;
            Receive<Make>(m => Sender.Tell(Context.ActorOf(m.Props, m.Name)));
        }

        private IActorRef? Lifecycle { get; }

        protected override void PreRestart(Exception reason, object? message)
        {
            Lifecycle?.Tell(reason);
            base.PreRestart(reason, message);
        }
    }

    private sealed class StoppingSupervisor : Supervisor
    {
        protected override SupervisorStrategy SupervisorStrategy() => Dpt.Actors.SupervisorStrategy.StoppingStrategy;
    }

    /// <summary>A counter that throws the exceptions it is sent.</summary>
    private sealed class Counter : ReceiveActor
    {
        private int _count;

        public Counter()
        {
            Receive<string>(s => s == "inc", _ => _count++);
            Receive<string>(s => s == "get", _ => Sender.Tell(_count));
            Receive<Exception>(e => throw e);
        }
    }

    private sealed class FailingConstructor : ReceiveActor
    {
        public FailingConstructor() => throw new InvalidOperationException("no resources");
    }

    private sealed class FailingPreStart : ReceiveActor
    {
        protected override void PreStart() => throw new InvalidOperationException("cannot start");
    }

    private IActorRef SupervisorWith(SupervisorStrategy strategy, IActorRef? lifecycle = null) =>
        Sys.ActorOf(Props.Create(() => new Supervisor(lifecycle)).WithSupervisorStrategy(strategy));

    private IActorRef Child(IActorRef supervisor, Props? props = null, string name = "child")
    {
        supervisor.Tell(new Make(props ?? Props.Create(() => new Counter()), name));
        return ExpectMsg<IActorRef>();
    }

    private int CountOf(IActorRef counter)
    {
        counter.Tell("get");
        return ExpectMsg<int>();
    }

    private static OneForOneStrategy Always(Directive directive) => new(_ => directive);

    [Fact]
    public void Resume_must_keep_the_childs_instance_and_state()
    {
        var child = Child(SupervisorWith(Always(Directive.Resume)));
        child.Tell("inc");
        child.Tell(new ArgumentException("bad input"));
        child.Tell("inc");
        Assert.Equal(2, CountOf(child));
    }

    [Fact]
    public void Restart_must_give_the_child_a_fresh_instance_and_keep_its_ref()
    {
        var child = Child(SupervisorWith(Always(Directive.Restart)));
        child.Tell("inc");
        child.Tell(new ArgumentException("bad input"));
        Assert.Equal(0, CountOf(child));
    }

    [Fact]
    public void Stop_must_stop_the_child()
    {
        var child = Watch(Child(SupervisorWith(Always(Directive.Stop))));
        child.Tell(new ArgumentException("bad input"));
        ExpectTerminated(child);
    }

    [Fact]
    public void Escalate_must_fail_the_supervisor_with_the_same_exception()
    {
        var lifecycle = CreateTestProbe();
        var supervisor = SupervisorWith(Always(Directive.Escalate), lifecycle.Ref);
        var child = Watch(Child(supervisor));
        var cause = new ArgumentException("escalated");
        child.Tell(cause);
        // The user guardian restarts the supervisor, whose default PreRestart stops the child.
        Assert.Same(cause, lifecycle.ExpectMsg<Exception>());
        ExpectTerminated(child);
    }

    [Fact]
    public void Resuming_a_supervisor_after_it_escalated_must_resume_the_child_that_failed()
    {
        var grandparent = SupervisorWith(Always(Directive.Resume));
        grandparent.Tell(new Make(Props.Create(() => new Supervisor(null)).WithSupervisorStrategy(Always(Directive.Escalate)), "parent"));
        var parent = ExpectMsg<IActorRef>();
        var child = Child(parent);
        child.Tell("inc");
        child.Tell(new ArgumentException("escalated, then resumed"));
        child.Tell("inc");
        Assert.Equal(2, CountOf(child));
    }

    [Fact]
    public void A_child_restarted_more_often_than_allowed_must_be_stopped()
    {
        var child = Watch(Child(SupervisorWith(new OneForOneStrategy(2, null, _ => Directive.Restart))));
        for (int restart = 1; restart <= 2; restart++)
        {
            child.Tell("inc");
            child.Tell(new ArgumentException($"failure {restart}"));
            Assert.Equal(0, CountOf(child));
        }
        child.Tell(new ArgumentException("failure 3"));
        ExpectTerminated(child);
    }

    [Fact]
    public void Restart_permission_must_count_restarts_within_the_window_only()
    {
        var stats = new ChildRestartStats();
        long t0 = Stopwatch.GetTimestamp();
        long At(double seconds) => t0 + (long)(seconds * Stopwatch.Frequency);
        var window = TimeSpan.FromSeconds(1);

        Assert.True(stats.RequestRestartPermission(2, window, At(0)));
        Assert.True(stats.RequestRestartPermission(2, window, At(0.5)));
        Assert.False(stats.RequestRestartPermission(2, window, At(0.9)));
        Assert.True(stats.RequestRestartPermission(2, window, At(1.5))); // a new window
        Assert.True(stats.RequestRestartPermission(2, window, At(2.0)));
        Assert.False(stats.RequestRestartPermission(2, window, At(2.1)));
    }

    [Fact]
    public void Restart_permission_without_a_window_must_count_over_the_childs_life()
    {
        var limited = new ChildRestartStats();
        Assert.True(limited.RequestRestartPermission(1, null, 0));
        Assert.False(limited.RequestRestartPermission(1, null, long.MaxValue / 2));
        Assert.False(new ChildRestartStats().RequestRestartPermission(0, null, 0));
        var unlimited = new ChildRestartStats();
        Assert.All(Enumerable.Range(0, 100), i => Assert.True(unlimited.RequestRestartPermission(null, TimeSpan.FromSeconds(1), i)));
    }

    [Fact]
    public void Strategy_must_treat_minus_one_and_infinite_as_no_limit_and_reject_other_negatives()
    {
        var strategy = new OneForOneStrategy(-1, Timeout.InfiniteTimeSpan, SupervisorStrategy.DefaultDecider);
        Assert.Null(strategy.MaxNrOfRetries);
        Assert.Null(strategy.WithinTimeRange);
        Assert.Throws<ArgumentOutOfRangeException>(() => new OneForOneStrategy(-2, null, SupervisorStrategy.DefaultDecider));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AllForOneStrategy(1, TimeSpan.Zero, SupervisorStrategy.DefaultDecider));
    }

    [Fact]
    public void AllForOne_Restart_must_restart_every_child()
    {
        var supervisor = SupervisorWith(new AllForOneStrategy(_ => Directive.Restart));
        var a = Child(supervisor, name: "a");
        var b = Child(supervisor, name: "b");
        a.Tell("inc");
        b.Tell("inc");
        Assert.Equal(1, CountOf(b));
        a.Tell(new ArgumentException("a failed"));
        Assert.Equal(0, CountOf(a));
        Assert.Equal(0, CountOf(b));
    }

    [Fact]
    public void AllForOne_Stop_must_stop_every_child_and_Resume_only_the_failed_one()
    {
        var supervisor = SupervisorWith(new AllForOneStrategy(e => e is ArgumentException ? Directive.Resume : Directive.Stop));
        var a = Watch(Child(supervisor, name: "a"));
        var b = Watch(Child(supervisor, name: "b"));
        a.Tell("inc");
        a.Tell(new ArgumentException("resume"));
        Assert.Equal(1, CountOf(a));
        b.Tell(new InvalidOperationException("stop all"));
        var terminated = ReceiveN(2).Cast<Terminated>().Select(t => t.ActorRef).ToHashSet();
        Assert.Equal(new HashSet<IActorRef> { a, b }, terminated);
    }

    [Theory]
    [InlineData(typeof(FailingConstructor), "no resources")]
    [InlineData(typeof(FailingPreStart), "cannot start")]
    public void An_actor_failing_to_initialise_must_be_stopped_with_ActorInitializationException(Type actorType, string reason)
    {
        var causes = CreateTestProbe();
        var supervisor = SupervisorWith(new OneForOneStrategy(e =>
        {
            causes.Ref.Tell(e);
            return SupervisorStrategy.DefaultDecider(e);
        }));
        var props = actorType == typeof(FailingConstructor) ? Props.Create(() => new FailingConstructor()) : Props.Create(() => new FailingPreStart());
        var child = Watch(Child(supervisor, props));
        var cause = causes.ExpectMsg<ActorInitializationException>();
        Assert.Equal(reason, cause.InnerException!.Message);
        Assert.Equal(child, cause.Actor);
        ExpectTerminated(child);
    }

    private sealed class FailsWhenRestarted : ReceiveActor
    {
        public FailsWhenRestarted(StrongBox<int> instances)
        {
            if (++instances.Value > 1) throw new InvalidOperationException("second instance");
            Receive<Exception>(e => throw e);
        }
    }

    [Fact]
    public void A_restart_whose_new_instance_fails_to_initialise_must_stop_the_child()
    {
        var instances = new StrongBox<int>(0);
        var child = Watch(Child(SupervisorWith(SupervisorStrategy.DefaultStrategy), Props.Create(() => new FailsWhenRestarted(instances))));
        child.Tell(new ArgumentException("restart me"));
        ExpectTerminated(child);
        Assert.Equal(2, instances.Value);
    }

    private sealed class FailsFirstTime : ReceiveActor
    {
        public FailsFirstTime(StrongBox<int> attempts)
        {
            Context.ActorOf(Props.Create(() => new Counter()), "kid"); // must be gone before the next attempt
            if (++attempts.Value == 1) throw new InvalidOperationException("first attempt");
            Receive<string>(s => Sender.Tell($"{s} after {attempts.Value} attempts"));
        }
    }

    [Theory]
    [InlineData(Directive.Restart)]
    [InlineData(Directive.Resume)]
    public void Restarting_or_resuming_an_actor_whose_creation_failed_must_create_it_anew(Directive directive)
    {
        var attempts = new StrongBox<int>(0);
        var child = Child(SupervisorWith(Always(directive)), Props.Create(() => new FailsFirstTime(attempts)));
        child.Tell("hello");
        ExpectMsg("hello after 2 attempts");
    }

    [Theory]
    [InlineData(typeof(ActorKilledException), Directive.Stop)]
    [InlineData(typeof(ArgumentException), Directive.Restart)]
    [InlineData(typeof(InvalidOperationException), Directive.Restart)]
    public void The_default_decider_must_stop_on_runtime_exceptions_and_restart_on_others(Type exceptionType, Directive expected)
    {
        var cause = exceptionType == typeof(ActorKilledException) ? new ActorKilledException("kill") : (Exception)Activator.CreateInstance(exceptionType)!;
        Assert.Equal(expected, SupervisorStrategy.DefaultDecider(cause));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new ActorInitializationException(null, "init", null)));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new DeathPactException(ActorRefs.Nobody)));
    }

    [Fact]
    public void The_user_guardian_must_restart_a_failed_top_level_actor()
    {
        var counter = Sys.ActorOf(Props.Create(() => new Counter()));
        counter.Tell("inc");
        counter.Tell(new ArgumentException("top-level failure"));
        Assert.Equal(0, CountOf(counter));
    }

    [Fact]
    public void An_actors_own_SupervisorStrategy_must_apply_when_its_props_set_none()
    {
        var supervisor = Sys.ActorOf(Props.Create(() => new StoppingSupervisor()));
        var child = Watch(Child(supervisor));
        child.Tell(new ArgumentException("would restart by default"));
        ExpectTerminated(child);
    }

    [Fact]
    public void The_strategy_in_Props_must_override_the_actors_own()
    {
        var supervisor = Sys.ActorOf(Props.Create(() => new StoppingSupervisor()).WithSupervisorStrategy(Always(Directive.Resume)));
        var child = Child(supervisor);
        child.Tell("inc");
        child.Tell(new ArgumentException("resumed"));
        Assert.Equal(1, CountOf(child));
    }

    [Fact]
    public void A_failure_must_be_logged_with_the_child_the_supervisor_and_the_directive()
    {
        var log = new CollectingOutput();
        using var system = ActorSystem.Create("logged", new ActorSystemSettings { LoggerFactory = new TestOutputLoggerFactory(log) });
        var counter = system.ActorOf(Props.Create(() => new Counter()), "fragile");
        counter.Tell(new ArgumentException("logged failure"), ActorRefs.NoSender);
        AwaitCondition(() => log.Lines.Any(l => l.Contains("[Error]") && l.Contains("dpt://logged/user/fragile")
            && l.Contains("Restart") && l.Contains("logged failure")), message: "an error log line about the failure");
    }
}
