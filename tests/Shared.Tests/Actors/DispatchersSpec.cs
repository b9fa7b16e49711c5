using System.Diagnostics;
using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class DispatchersSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private sealed class Ping
    {
        public static readonly Ping Instance = new();
    }

    private sealed class Pong
    {
        public static readonly Pong Instance = new();
    }

    private sealed record Measure(IActorRef Ponger, int WarmUp, int RoundTrips, TimeSpan Pause);

    /// <summary>Round-trip latencies in microseconds, sorted.</summary>
    private sealed record Latencies(double[] Micros)
    {
        public double Percentile(double p) => Micros[(int)Math.Min(Micros.Length - 1, p * Micros.Length)];
    }

    private sealed class Ponger : ReceiveActor
    {
        public Ponger() => Receive<Ping>(_ => Sender.Tell(Pong.Instance));
    }

    /// <summary>Sends one ping at a time, optionally pausing between them, and times each round trip.</summary>
    private sealed class Pinger : ReceiveActor
    {
        private Measure? _run;
        private IActorRef? _replyTo;
        private double[] _micros = [];
        private int _sent;
        private long _sentAt;

        public Pinger()
        {
            Receive<Measure>(Start);
            Receive<Pong>(_ => Next());
        }

        private void Start(Measure run)
        {
            (_run, _replyTo, _micros, _sent) = (run, Sender, new double[run.RoundTrips], 0);
            Send();
        }

        private void Next()
        {
            double micros = Stopwatch.GetElapsedTime(_sentAt).TotalMicroseconds;
            int index = _sent - 1 - _run!.WarmUp;
            if (index >= 0) _micros[index] = micros;
            if (_sent < _run.WarmUp + _run.RoundTrips)
            {
                if (_run.Pause > TimeSpan.Zero) Thread.Sleep(_run.Pause);
                Send();
                return;
            }
            Array.Sort(_micros);
            _replyTo!.Tell(new Latencies(_micros));
        }

        private void Send()
        {
            _sent++;
            _sentAt = Stopwatch.GetTimestamp();
            _run!.Ponger.Tell(Ping.Instance, Self);
        }
    }

    private Latencies RoundTrips(string dispatcher, Measure measure)
    {
        var ponger = Sys.ActorOf(Props.Create(() => new Ponger()).WithDispatcher(dispatcher));
        var pinger = Sys.ActorOf(Props.Create(() => new Pinger()).WithDispatcher(dispatcher));
        pinger.Tell(measure with { Ponger = ponger });
        return ExpectMsg<Latencies>(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Tell_round_trip_latency_must_stay_far_below_a_millisecond_on_both_dispatchers()
    {
        var backToBack = new Measure(ActorRefs.Nobody, WarmUp: 500, RoundTrips: 2_000, Pause: TimeSpan.Zero);
        // One ping per millisecond, the cadence of training steps: idle threads have parked by then.
        var paced = new Measure(ActorRefs.Nobody, WarmUp: 20, RoundTrips: 200, Pause: TimeSpan.FromMilliseconds(1));
        foreach (var (scenario, measure) in new[] { ("back-to-back", backToBack), ("1 ms apart", paced) })
        {
            foreach (var dispatcher in new[] { Dispatchers.Pinned, Dispatchers.Default })
            {
                var latencies = RoundTrips(dispatcher, measure);
                Output!.WriteLine($"{dispatcher,-7} {scenario,-12} round trip over {latencies.Micros.Length} pings: median {latencies.Percentile(0.5):0.0} µs, "
                    + $"p90 {latencies.Percentile(0.9):0.0} µs, p99 {latencies.Percentile(0.99):0.0} µs");
                // A generous bound so that a loaded machine cannot make it flake; the figures are the point.
                Assert.InRange(latencies.Percentile(0.5), 0, 5_000);
            }
        }
    }

    [Fact]
    public void WithDispatcher_must_reject_an_unknown_dispatcher_naming_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => Props.Create(() => new Ponger()).WithDispatcher("gpu"));
        Assert.Contains("unknown dispatcher [gpu]; known: default, pinned", error.Message);
    }
}
