using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class MailboxSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed record Numbered(int Sender, int Sequence);

    private sealed record Report(int Received, int OutOfOrder, int Overlaps);

    /// <summary>Counts messages, out-of-order sequences per sender, and overlapping executions.</summary>
    private sealed class Checker : ReceiveActor
    {
        private readonly int[] _next;
        private int _inside;
        private int _received;
        private int _outOfOrder;
        private int _overlaps;

        public Checker(int senders)
        {
            _next = new int[senders];
            Receive<Numbered>(Check);
            Receive<string>(_ => Sender.Tell(new Report(_received, _outOfOrder, _overlaps)));
        }

        private void Check(Numbered message)
        {
            if (Interlocked.Increment(ref _inside) != 1) Interlocked.Increment(ref _overlaps);
            if (message.Sequence != _next[message.Sender]) _outOfOrder++;
            _next[message.Sender] = message.Sequence + 1;
            _received++;
            Thread.SpinWait(20); // widen the window in which an overlap would be seen
            Interlocked.Decrement(ref _inside);
        }
    }

    [Theory]
    [InlineData(Dispatchers.Default)]
    [InlineData(Dispatchers.Pinned)]
    public void An_actor_must_process_one_message_at_a_time_in_send_order_per_sender(string dispatcher)
    {
        const int senders = 4, perSender = 5_000;
        var checker = Sys.ActorOf(Props.Create(() => new Checker(senders)).WithDispatcher(dispatcher));
        using var start = new Barrier(senders);
        var threads = Enumerable.Range(0, senders).Select(s => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < perSender; i++) checker.Tell(new Numbered(s, i), ActorRefs.NoSender);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        checker.Tell("report");
        Assert.Equal(new Report(senders * perSender, 0, 0), ExpectMsg<Report>());
    }

    private sealed class Gate(ManualResetEventSlim open) : ReceiveActor
    {
        protected override void PreStart() => Context.Become(m =>
        {
            Sender.Tell($"started {m}");
            open.Wait(TimeSpan.FromSeconds(10));
            Sender.Tell($"processed {m}");
            return true;
        });
    }

    [Fact]
    public void A_stop_must_overtake_user_messages_already_queued()
    {
        using var open = new ManualResetEventSlim(false);
        Sys.EventStream.Subscribe(TestActor, typeof(DeadLetter));
        var gate = Watch(Sys.ActorOf(Props.Create(() => new Gate(open)).WithDispatcher(Dispatchers.Pinned)));
        gate.Tell("first");
        ExpectMsg("started first");
        for (int i = 0; i < 5; i++) gate.Tell($"queued {i}");
        Sys.Stop(gate);
        open.Set();

        var received = ReceiveN(7);
        Assert.Equal("processed first", received[0]);
        Assert.Equal(5, received.OfType<DeadLetter>().Count(d => ((string)d.Message).StartsWith("queued", StringComparison.Ordinal)));
        Assert.Single(received.OfType<Terminated>());
    }
}
