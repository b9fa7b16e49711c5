using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class PinnedMailboxSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed class ThreadReporter : ReceiveActor
    {
        public ThreadReporter() => ReceiveAny(_ => Sender.Tell(Thread.CurrentThread));
    }

    [Fact]
    public void A_pinned_actor_must_run_on_its_own_named_background_thread()
    {
        var a = Sys.ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher(Dispatchers.Pinned), "a");
        var b = Sys.ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher(Dispatchers.Pinned), "b");
        a.Tell(1);
        var first = ExpectMsg<Thread>();
        a.Tell(2);
        Assert.Same(first, ExpectMsg<Thread>());
        b.Tell(3);
        Assert.NotSame(first, ExpectMsg<Thread>());
        Assert.True(first.IsBackground);
        Assert.False(first.IsThreadPoolThread);
        Assert.Equal("dpt-pinned dpt://PinnedMailboxSpec/user/a", first.Name);
    }

    [Fact]
    public void A_pinned_actors_thread_must_end_when_the_actor_stops()
    {
        var actor = Watch(Sys.ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher(Dispatchers.Pinned)));
        actor.Tell(1);
        var thread = ExpectMsg<Thread>();
        Sys.Stop(actor);
        ExpectTerminated(actor);
        Assert.True(thread.Join(DefaultTimeout), "the pinned thread is still alive");
    }

    [Fact]
    public void A_default_dispatcher_actor_must_run_on_the_thread_pool()
    {
        var actor = Sys.ActorOf(Props.Create(() => new ThreadReporter()));
        actor.Tell(1);
        Assert.True(ExpectMsg<Thread>().IsThreadPoolThread);
    }

    private sealed class Ping
    {
        public static readonly Ping Instance = new();
    }

    private sealed class AllocationMeter
    {
        public int Received;
        public long ReceiverBytesAtStart;
        public long ReceiverBytesAtEnd;
    }

    /// <summary>Counts pings and measures what its own thread allocates between two counts.</summary>
    private sealed class Counter : ReceiveActor
    {
        public Counter(AllocationMeter meter, int start, int end) => Receive<Ping>(_ =>
        {
            int received = meter.Received + 1;
            if (received == start) meter.ReceiverBytesAtStart = GC.GetAllocatedBytesForCurrentThread();
            if (received == end) meter.ReceiverBytesAtEnd = GC.GetAllocatedBytesForCurrentThread();
            Volatile.Write(ref meter.Received, received);
        });
    }

    [Fact]
    public void Steady_state_Tell_to_a_pinned_actor_must_not_allocate()
    {
        const int warmUp = 2_000, measured = 2_000;
        var meter = new AllocationMeter();
        var actor = Sys.ActorOf(Props.Create(() => new Counter(meter, warmUp, warmUp + measured)).WithDispatcher(Dispatchers.Pinned));
        long senderBytesAtStart = 0;
        for (int i = 0; i < warmUp + measured; i++)
        {
            if (i == warmUp) senderBytesAtStart = GC.GetAllocatedBytesForCurrentThread();
            actor.Tell(Ping.Instance, ActorRefs.NoSender);
            // One message in flight at a time: the steady state of a request/response hot path.
            while (Volatile.Read(ref meter.Received) <= i) Thread.SpinWait(10);
        }
        long senderBytes = GC.GetAllocatedBytesForCurrentThread() - senderBytesAtStart;
        long receiverBytes = meter.ReceiverBytesAtEnd - meter.ReceiverBytesAtStart;
        Output!.WriteLine($"allocated over {measured} messages: sender {senderBytes} B, receiver {receiverBytes} B");
        Assert.Equal(0, senderBytes);
        Assert.Equal(0, receiverBytes);
    }
}
