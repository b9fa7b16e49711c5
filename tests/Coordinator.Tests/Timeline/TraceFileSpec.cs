// The trace file's form: valid JSON in the Trace Event Format that Perfetto and chrome://tracing open, every
// span a complete event with ph, ts, dur, pid and tid, every process and thread named; idle spans derived from
// each worker's last send of a step to the step's end; several runs as processes of their own on one clock.
using System.Diagnostics;
using Dpt.Coordinator.Timeline;
using Dpt.Model;
using Dpt.Training;
using Dpt.Training.Timeline;
using static Dpt.Training.ParameterServerProtocol;

namespace Dpt.Coordinator.Tests.Timeline;

public class TraceFileSpec
{
    private static readonly long Ms = Stopwatch.Frequency / 1000;

    /// <summary>A run of two steps with a parameter-server shard, a local worker and a remote one, every span on whole milliseconds.</summary>
    private static RunTimeline TwoSteps(string label = "dpt train", long origin = 1_000 * 1_000_000)
    {
        long At(double ms) => origin + (long)(ms * Ms);
        var run = new RunTimeline(label, new StepWindow(0, 10));
        var server = run.ParameterServer("parameter-server-1");
        var worker = run.Worker("worker-1");
        for (int step = 0; step < 2; step++)
        {
            double t = step * 10;
            worker.Add(SpanKind.Receive, step, At(t + 0.5), At(t + 1), 8);
            worker.Add(SpanKind.Forward, step, At(t + 1), At(t + 3), 8);
            worker.Add(SpanKind.Backward, step, At(t + 3), At(t + 4), 8);
            worker.Add(SpanKind.Send, step, At(t + 4), At(t + 5), 8);
            server.Add(SpanKind.Aggregate, step, At(t + 5), At(t + 6), 2);
            server.Add(SpanKind.Apply, step, At(t + 6), At(t + 7), 100);
            server.Add(SpanKind.Publish, step, At(t + 7), At(t + 8), 2);
            var remote = new ShardReport("127.0.0.1:4100/worker-1", new SampleRange(8, 8),
                new ShardTiming(0.001, 0.003) { ForwardSeconds = 0.002, SentStep = step == 0 ? null : 0, SentSeconds = 0.001, ReceivedClockSeconds = (double)At(t + 0.25) / Stopwatch.Frequency });
            run.StepApplied(new StepApplied(step, step + 1, new BatchMetrics(1, 1, 16), [remote], 0.1f, 0.001), At(t), At(t + 9));
        }
        return run;
    }

    private static TraceReader Written(params RunTimeline[] runs)
    {
        using var stream = new MemoryStream();
        TraceFile.Write(stream, runs);
        return TraceReader.Parse(stream.ToArray());
    }

    [Fact]
    public void A_trace_must_be_json_whose_spans_are_complete_events_on_named_threads_of_named_processes()
    {
        var trace = Written(TwoSteps());

        Assert.Equal("ms", trace.Root.GetProperty("displayTimeUnit").GetString());
        Assert.Equal(["dpt train", "dpt train: dpt-worker 127.0.0.1:4100"], trace.Spans.Select(s => s.Process).Distinct());
        Assert.Equal(["coordinator", "parameter-server-1", "worker-1"], trace.Spans.Where(s => s.Process == "dpt train").Select(s => s.Thread).Distinct());
        Assert.Equal(["coordinator", "parameter-server", "worker"], trace.Spans.Select(s => s.Category).Distinct().Order());
        Assert.Equal(0, trace.Spans.Min(s => s.Start)); // microseconds from the earliest span
        var step1 = trace.Steps()[1];
        Assert.Equal((10_000.0, 9_000.0), (step1.Start, step1.Duration));
        Assert.Equal(16, step1.Args.GetProperty("samples").GetInt32());
        Assert.Equal(100, trace.Of("parameter-server-1").Single(s => s is { Name: "apply", Step: 0 }).Args.GetProperty("parameters").GetInt32());
        Assert.Equal("steps 0-1", trace.Root.GetProperty("otherData").GetProperty("recorded").GetString());
    }

    [Fact]
    public void Every_worker_must_be_idle_from_its_last_send_of_a_step_to_the_end_of_the_step()
    {
        var trace = Written(TwoSteps());
        var steps = trace.Steps();

        var local = trace.Of("worker-1", "dpt train").ToList();
        TraceReader.AssertPhases(local, steps, ["receive parameters", "forward", "backward", "send gradients", "idle"], "local worker-1");
        var idle = local.Single(s => s is { Name: "idle", Step: 1 });
        Assert.Equal((15_000.0, 4_000.0), (idle.Start, idle.Duration));

        // The remote worker: placed from the step's start; its last step's send is not reported (no later push), so neither is its idle.
        var remote = trace.Of("worker-1", "dpt train: dpt-worker 127.0.0.1:4100").ToList();
        TraceReader.AssertPhases(remote.Where(s => s.Step == 0), new() { [0] = steps[0] },
            ["receive parameters", "forward", "backward", "send gradients", "idle"], "remote worker-1");
        Assert.Equal(["receive parameters", "forward", "backward"], remote.Where(s => s.Step == 1).Select(s => s.Name));
        var receive = remote.Single(s => s is { Name: "receive parameters", Step: 1 });
        Assert.Equal((10_000.0, 1_000.0, 10_250.0), (receive.Start, receive.Duration, receive.Args.GetProperty("worker_clock_ts").GetDouble()));
        TraceReader.AssertPhases(trace.Of("parameter-server-1"), steps, ["aggregate", "apply", "publish"], "parameter-server-1");
    }

    [Fact]
    public void Several_runs_must_be_processes_of_their_own_on_one_time_scale()
    {
        var trace = Written(TwoSteps("bench, 1 worker", origin: 1_000 * 1_000_000), TwoSteps("bench, 2 workers", origin: 1_000 * 1_000_000 + 50 * Ms));

        Assert.Equal(["bench, 1 worker", "bench, 1 worker: dpt-worker 127.0.0.1:4100", "bench, 2 workers", "bench, 2 workers: dpt-worker 127.0.0.1:4100"],
            trace.Spans.Select(s => s.Process).Distinct());
        Assert.Equal(50_000.0, trace.Steps("bench, 2 workers")[0].Start);
    }

    [Fact]
    public void A_run_that_recorded_no_step_must_still_be_a_trace_naming_its_actors()
    {
        var run = new RunTimeline("dpt train", new StepWindow(0, 5));
        run.ParameterServer("parameter-server-1");
        using var stream = new MemoryStream();
        var summary = TraceFile.Write(stream, [run]);

        var trace = TraceReader.Parse(stream.ToArray());
        Assert.Empty(trace.Spans);
        Assert.Equal(new TraceFile.Summary(0, 0, null), summary);
        Assert.Equal("no step", trace.Root.GetProperty("otherData").GetProperty("recorded").GetString());
        Assert.Equal(2, trace.Root.GetProperty("traceEvents").EnumerateArray().Count(e => e.GetProperty("name").GetString() == "thread_name"));
    }
}
