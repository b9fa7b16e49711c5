// The "thread:<name>" dispatcher: every actor naming one thread runs on that one dedicated thread, taking
// turns, one message at a time, never inside another actor's handler; the thread lives as long as its system.
using System.Collections.Concurrent;
using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class SharedThreadSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed class ThreadReporter : ReceiveActor
    {
        public ThreadReporter() => ReceiveAny(_ => Sender.Tell(Thread.CurrentThread));
    }

    private IActorRef OnThread(string thread, Props props, string? name = null) =>
        Sys.ActorOf(props.WithDispatcher(Dispatchers.Thread(thread)), name);

    private IActorRef ReporterOn(string thread, string? name = null) => OnThread(thread, Props.Create(() => new ThreadReporter()), name);

    private Thread ThreadOf(IActorRef actor)
    {
        actor.Tell("where are you?");
        return ExpectMsg<Thread>();
    }

    [Fact]
    public void Actors_naming_the_same_thread_must_run_on_that_one_dedicated_thread()
    {
        var (a, b, other) = (ReporterOn("x"), ReporterOn("x"), ReporterOn("y"));
        var x = ThreadOf(a);
        Assert.Same(x, ThreadOf(b));
        Assert.Same(x, ThreadOf(a));
        var y = ThreadOf(other);
        Assert.NotSame(x, y);
        Assert.Equal(("dpt-thread x", "dpt-thread y"), (x.Name, y.Name));
        Assert.True(x.IsBackground);
        Assert.False(x.IsThreadPoolThread);
        Assert.NotSame(x, ThreadOf(Sys.ActorOf(Props.Create(() => new ThreadReporter()))));
        Assert.True(ThreadOf(Sys.ActorOf(Props.Create(() => new ThreadReporter()))).IsThreadPoolThread);
    }

    [Fact]
    public void A_thread_needs_a_name()
    {
        Assert.Throws<ArgumentException>(() => Dispatchers.Thread(" "));
        Assert.Throws<ArgumentException>(() => Props.Create(() => new ThreadReporter()).WithDispatcher("thread:"));
        Assert.Equal("thread:lane-1", Dispatchers.Thread("lane-1"));
    }

    /// <summary>What the actors of one thread observed: handlers that overlapped, and messages out of order.</summary>
    private sealed class Lane
    {
        public int Busy;
        public int Overlaps;
        public readonly ConcurrentDictionary<Thread, bool> Threads = new();
    }

    /// <summary>Expects 0, 1, 2, ... from its one sender; reports what it saw after the last.</summary>
    private sealed class Sequence : ReceiveActor
    {
        private int _next;
        private int _outOfOrder;

        public Sequence(Lane lane, int count, IActorRef report) => Receive<int>(n =>
        {
            if (Interlocked.Exchange(ref lane.Busy, 1) != 0) Interlocked.Increment(ref lane.Overlaps);
            lane.Threads[Thread.CurrentThread] = true;
            if (n != _next++) _outOfOrder++;
            Thread.SpinWait(50);
            Volatile.Write(ref lane.Busy, 0);
            if (n == count - 1) report.Tell((Self.Path.Name, _next, _outOfOrder));
        });
    }

    [Fact]
    public void Each_actor_must_process_one_message_at_a_time_in_order_and_the_actors_of_a_thread_never_at_once()
    {
        const int actors = 3, count = 500;
        var lane = new Lane();
        var sequences = Enumerable.Range(0, actors)
            .Select(i => OnThread("x", Props.Create(() => new Sequence(lane, count, TestActor)), $"sequence-{i}")).ToList();
        // One sender per actor, all sending at once from threads of their own.
        var senders = sequences.Select(s => new Thread(() =>
        {
            for (int n = 0; n < count; n++) s.Tell(n, ActorRefs.NoSender);
        })).ToList();
        senders.ForEach(t => t.Start());
        senders.ForEach(t => t.Join());

        var reports = Enumerable.Range(0, actors).Select(_ => ExpectMsg<(string Name, int Received, int OutOfOrder)>(TimeSpan.FromSeconds(10))).ToList();
        Assert.Equal(Enumerable.Range(0, actors).Select(i => ($"sequence-{i}", count, 0)), reports.OrderBy(r => r.Name));
        Assert.Equal(0, lane.Overlaps);
        Assert.Single(lane.Threads);
    }

    /// <summary>Appends to a shared log; "go" also tells another actor, then keeps the thread a little longer.</summary>
    private sealed class Logger : ReceiveActor
    {
        public Logger(string name, ConcurrentQueue<string> log, IActorRef? next, IActorRef report)
        {
            Receive<string>(m => m == "go", _ =>
            {
                log.Enqueue($"{name} tells");
                next!.Tell("ping");
                Self.Tell("self");
                Thread.Sleep(50);
                log.Enqueue($"{name} returns");
            });
            Receive<string>(m => m == "self", _ => log.Enqueue($"{name} got its own message"));
            Receive<string>(m => m == "ping", _ =>
            {
                log.Enqueue($"{name} got ping");
                report.Tell("done");
            });
        }
    }

    [Fact]
    public void A_message_to_an_actor_of_the_same_thread_must_be_processed_after_the_senders_handler_returns()
    {
        var log = new ConcurrentQueue<string>();
        var b = OnThread("x", Props.Create(() => new Logger("b", log, null, TestActor)), "b");
        var a = OnThread("x", Props.Create(() => new Logger("a", log, b, TestActor)), "a");
        a.Tell("go");
        ExpectMsg("done");
        AwaitCondition(() => log.Count == 4);
        Assert.Equal(["a tells", "a returns"], log.Take(2));
        Assert.Equal(["a got its own message", "b got ping"], log.Skip(2).Order());
    }

    /// <summary>Blocks its thread on "block" until the test releases it.</summary>
    private sealed class Blocker : ReceiveActor
    {
        public Blocker(ManualResetEventSlim blocked, ManualResetEventSlim release) => ReceiveAny(_ =>
        {
            blocked.Set();
            release.Wait(TimeSpan.FromSeconds(10));
        });
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(ConcurrentQueue<string> log, IActorRef report) => Receive<string>(m =>
        {
            log.Enqueue(m);
            if (m == "last") report.Tell("done");
        });
    }

    [Fact]
    public void A_busy_actor_must_give_the_thread_to_the_others_after_its_throughput_of_messages()
    {
        var log = new ConcurrentQueue<string>();
        using var blocked = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var blocker = OnThread("x", Props.Create(() => new Blocker(blocked, release)));
        var busy = OnThread("x", Props.Create(() => new Recorder(log, TestActor)));
        var quiet = OnThread("x", Props.Create(() => new Recorder(log, TestActor)));
        // Both have started (the thread ran their creation) before the thread is blocked.
        busy.Tell("started");
        quiet.Tell("started");
        AwaitCondition(() => log.Count == 2);
        log.Clear();

        blocker.Tell("block");
        Assert.True(blocked.Wait(DefaultTimeout));
        for (int i = 0; i < 100; i++) busy.Tell("busy");
        busy.Tell("last");
        quiet.Tell("quiet");
        release.Set();

        ExpectMsg("done");
        Assert.Equal(Sys.Settings.Throughput, log.ToList().IndexOf("quiet"));
        Assert.Equal(102, log.Count);
    }

    /// <summary>Replies with the threads before and after an await.</summary>
    private sealed class Awaiter : ReceiveActor
    {
        public Awaiter() => ReceiveAsync<string>(async _ =>
        {
            var before = Thread.CurrentThread;
            await Task.Delay(5);
            Sender.Tell((before, Thread.CurrentThread));
        });
    }

    [Fact]
    public void An_async_handler_must_continue_on_the_shared_thread()
    {
        var x = ThreadOf(ReporterOn("x"));
        var awaiter = OnThread("x", Props.Create(() => new Awaiter()));
        awaiter.Tell("go");
        var (before, after) = ExpectMsg<(Thread, Thread)>();
        Assert.Same(x, before);
        Assert.Same(x, after);
    }

    [Fact]
    public void An_actor_of_a_shared_thread_must_stop_while_the_others_go_on()
    {
        var (a, b) = (ReporterOn("x"), ReporterOn("x"));
        var x = ThreadOf(a);
        Watch(a);
        Sys.Stop(a);
        ExpectTerminated(a);
        Assert.Same(x, ThreadOf(b));
        Assert.Same(x, ThreadOf(ReporterOn("x")));
        Assert.True(x.IsAlive);
    }

    [Fact]
    public async Task The_thread_must_end_when_its_actor_system_terminates()
    {
        var x = ThreadOf(ReporterOn("x"));
        var y = ThreadOf(ReporterOn("y"));
        await Sys.Terminate().WaitAsync(DefaultTimeout);
        Assert.True(x.Join(DefaultTimeout), "thread x is still alive");
        Assert.True(y.Join(DefaultTimeout), "thread y is still alive");
    }

    [Fact]
    public void Without_a_spin_duration_an_idle_thread_must_sleep_at_once()
    {
        if (!OperatingSystem.IsLinux()) return;
        var reporter = ReporterOn("quiet");
        var thread = ThreadOf(reporter);
        // The discriminator of the spinning spec: 3 ms into its idle time the thread is asleep.
        for (int attempt = 0; attempt < 5; attempt++)
        {
            Assert.Same(thread, ThreadOf(reporter));
            Thread.Sleep(3);
            Assert.Equal('S', OsThreadState(thread.Name!));
        }
    }

    /// <summary>The state the OS shows for the thread named <paramref name="name"/>: R while it runs, spins or waits
    /// for a core, S once it sleeps in the kernel.</summary>
    internal static char OsThreadState(string name)
    {
        string comm = name.Length > 15 ? name[..15] : name; // Linux keeps 15 characters of a thread's name
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            string stat;
            try { stat = File.ReadAllText(Path.Combine(task, "stat")); } catch (IOException) { continue; }
            // "tid (comm) state ...": comm may hold spaces and parentheses, so cut at the last ')'.
            int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
            if (stat[(open + 1)..close] == comm) return stat[close + 2];
        }
        throw new InvalidOperationException($"no thread of this process is named {comm}");
    }

    /// <summary>Names of this process's threads as the OS knows them (Linux truncates them to 15 characters).</summary>
    private static List<string> OsThreadNames() =>
        Directory.GetDirectories("/proc/self/task")
            .Select(task => { try { return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n'); } catch (IOException) { return ""; } })
            .ToList();

    /// <summary>Sent to spawners at once: each creates a child on thread <paramref name="Thread"/> once all are ready.</summary>
    private sealed record Spawn(string Thread, Barrier Start);

    /// <summary>Creates children: actors of different parents are created concurrently (one parent creates its children in turn).</summary>
    private sealed class Spawner : ReceiveActor
    {
        public Spawner() => Receive<Spawn>(spawn =>
        {
            spawn.Start.SignalAndWait();
            Sender.Tell(Context.ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher(Dispatchers.Thread(spawn.Thread))));
        });
    }

    [Fact]
    public async Task Actors_created_at_once_naming_a_new_thread_must_start_exactly_one_thread_which_ends_with_the_system()
    {
        // What is counted is the OS's threads: a second thread started for one name in a race would serve no
        // actor and never end. Linux lists them in /proc; elsewhere there is nothing to count.
        if (!OperatingSystem.IsLinux()) return;
        const int names = 16, creators = 4;
        var spawners = Enumerable.Range(0, creators).Select(_ => Sys.ActorOf(Props.Create(() => new Spawner()).WithDispatcher(Dispatchers.Pinned))).ToList();
        for (int n = 0; n < names; n++)
        {
            string thread = $"r{n}";
            using var start = new Barrier(creators);
            spawners.ForEach(s => s.Tell(new Spawn(thread, start)));
            foreach (var child in Enumerable.Range(0, creators).Select(_ => ExpectMsg<IActorRef>()).ToList())
                Assert.Equal($"dpt-thread {thread}", ThreadOf(child).Name);
        }
        var started = OsThreadNames().Where(n => n.StartsWith("dpt-thread r", StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(Enumerable.Range(0, names).Select(n => $"dpt-thread r{n}").Order(), started);

        await Sys.Terminate().WaitAsync(DefaultTimeout);
        AwaitCondition(() => !OsThreadNames().Any(n => n.StartsWith("dpt-thread r", StringComparison.Ordinal)),
            message: "every shared thread has ended");
    }
}

/// <summary>The "thread:&lt;name&gt;" dispatcher with <see cref="ActorSystemSettings.ThreadSpinDuration"/> set.</summary>
public class SpinningSharedThreadSpec(ITestOutputHelper output)
    : TestKit.TestKit(output, new ActorSystemSettings { ThreadSpinDuration = TimeSpan.FromMilliseconds(10) })
{
    private sealed class ThreadReporter : ReceiveActor
    {
        public ThreadReporter() => ReceiveAny(_ => Sender.Tell(Thread.CurrentThread));
    }

    [Fact]
    public void An_idle_thread_must_spin_for_its_spin_duration_then_sleep_and_still_run_what_comes_later()
    {
        if (!OperatingSystem.IsLinux()) return;
        var reporter = Sys.ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher(Dispatchers.Thread("spinner")));
        reporter.Tell("where are you?");
        var thread = ExpectMsg<Thread>();
        // Idle, the thread stays runnable for 10 ms (it spins), then blocks; what comes after that still runs there.
        // Sampled 3 ms into the idle time, when a thread that does not spin has long been asleep; a test thread held
        // up for over 7 ms on a loaded machine misses the window, so it gets 20 tries.
        bool spinning = false;
        for (int attempt = 0; attempt < 20 && !spinning; attempt++)
        {
            reporter.Tell("again");
            ExpectMsg<Thread>();
            Thread.Sleep(3);
            spinning = SharedThreadSpec.OsThreadState(thread.Name!) == 'R';
        }
        Assert.True(spinning, "the idle thread was never seen spinning 3 ms into its 10 ms spin");
        AwaitCondition(() => SharedThreadSpec.OsThreadState(thread.Name!) == 'S', TimeSpan.FromSeconds(5), message: "the thread sleeps once its spin is over");
        reporter.Tell("after the spin");
        Assert.Same(thread, ExpectMsg<Thread>());
    }
}
