// --timeline in cluster mode with a real dpt-worker process: the worker's spans reach the coordinator's file
// through the timings its pushes carry, placed from the coordinator's send of each step, inside that step. On
// one machine both processes read the same monotonic clock, which checks the placement: the worker's own time
// of receipt lies between the coordinator's send and the step's end.
using Dpt.Coordinator.Tests.Cli;
using Dpt.Coordinator.Tests.Timeline;
using Xunit.Abstractions;

namespace Dpt.Coordinator.Tests.Cluster;

[Collection(DptProcesses.Name)]
public sealed class ClusterTimelineSpec(ITestOutputHelper output)
{
    [Fact]
    public async Task A_worker_processs_spans_must_reach_the_coordinators_timeline_inside_their_steps()
    {
        using var files = new TempDirectory();
        string file = files.File("timeline.json");
        // 32 steps in the epoch: the report of step 20 carries the send of step 19, the window's last.
        using var cluster = await ClusterProcesses.StartAsync(output, [.. ClusterTrainingSpec.Blobs, "--epochs", "1", "--min-workers", "1",
            "--timeline", file, "--timeline-steps", "20"]);
        var worker = cluster.StartWorker();
        await cluster.CompletesAsync();
        Assert.Equal(0, (await worker.WaitForExitAsync(ClusterProcesses.Timeout)).ExitCode);

        Assert.Contains(cluster.CoordinatorLog(), l => l.StartsWith("timeline of steps 0-19 (", StringComparison.Ordinal) && l.Contains(file));
        var trace = TraceReader.Read(file);
        var steps = trace.Steps("dpt train");
        Assert.Equal(20, steps.Count);
        string node = Assert.Single(trace.Spans.Select(s => s.Process).Distinct(), p => p != "dpt train");
        Assert.StartsWith("dpt train: dpt-worker 127.0.0.1:", node);
        var spans = trace.Of("worker-1", node).ToList();
        TraceReader.AssertPhases(spans, steps, TimelineCommandSpec.WorkerPhases, "the worker process");
        TraceReader.AssertPhases(trace.Of("parameter-server-1"), steps, TimelineCommandSpec.ServerPhases, "parameter-server-1");
        Assert.All(spans.Where(s => s.Name == "forward"), s => Assert.Equal(64, s.Args.GetProperty("samples").GetInt32()));

        var delays = new List<double>();
        foreach (var receive in spans.Where(s => s.Name == "receive parameters"))
        {
            var step = steps[receive.Step];
            Assert.Equal(step.Start, receive.Start, TraceReader.Rounding); // placed at the coordinator's send
            double received = receive.Args.GetProperty("worker_clock_ts").GetDouble();
            Assert.True(received >= step.Start - TraceReader.Rounding && received <= step.End + TraceReader.Rounding,
                $"the worker received step {step.Step} at {received} µs on its own clock, outside the step [{step.Start}, {step.End}]");
            delays.Add(received - step.Start);
        }
        output.WriteLine($"one-way delay of ComputeShard, by the shared clock: median {delays.Order().ElementAt(delays.Count / 2):F1} µs, max {delays.Max():F1} µs");
    }
}
