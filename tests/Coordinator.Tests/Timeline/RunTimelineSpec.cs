// The run timeline records the coordinator's steps and places the spans of workers in other processes from the
// timings their pushes report, starting when the coordinator sent the step; workers in this process record
// their own. Steady-state placement allocates nothing.
using System.Diagnostics;
using Dpt.Coordinator.Timeline;
using Dpt.Model;
using Dpt.Training;
using Dpt.Training.Timeline;
using static Dpt.Training.ParameterServerProtocol;

namespace Dpt.Coordinator.Tests.Timeline;

public class RunTimelineSpec
{
    private const string Remote = "10.0.0.2:4054/worker-1";

    private static long Ticks(double seconds) => (long)Math.Round(seconds * Stopwatch.Frequency);

    private static StepApplied Applied(long step, params ShardReport[] shards) =>
        new(step, step + 1, new BatchMetrics(1, 0, shards.Sum(s => s.Shard.Count)), shards, 0.1f, 0.001);

    private static ShardReport Report(string worker, int start, int count, ShardTiming timing) => new(worker, new SampleRange(start, count), timing);

    private static TimelineTrack Track(RunTimeline timeline, string node) => Assert.Single(timeline.Tracks, t => t.Node == node);

    [Fact]
    public void A_remote_workers_phases_must_be_placed_one_after_another_from_the_coordinators_send_of_the_step()
    {
        var timeline = new RunTimeline("run", new StepWindow(0, 10));
        long sent0 = 1_000_000, sent1 = sent0 + Ticks(0.010);
        var first = new ShardTiming(0.001, 0.004) { ForwardSeconds = 0.003, ReceivedClockSeconds = 5 };
        var second = new ShardTiming(0.0005, 0.002) { ForwardSeconds = 0.0015, SentStep = 0, SentSeconds = 0.0007, ReceivedClockSeconds = 5.01 };
        timeline.StepApplied(Applied(0, Report(Remote, 0, 32, first)), sent0, sent0 + Ticks(0.008));
        timeline.StepApplied(Applied(1, Report(Remote, 0, 32, second)), sent1, sent1 + Ticks(0.005));

        var track = Track(timeline, "10.0.0.2:4054");
        Assert.Equal((TrackRole.Worker, "worker-1"), (track.Role, track.Name));
        long computed0 = sent0 + Ticks(0.001) + Ticks(0.004);
        Assert.Equal(new TimelineSpan[]
        {
            new(SpanKind.Receive, 0, sent0, sent0 + Ticks(0.001), 32, Ticks(5)),
            new(SpanKind.Forward, 0, sent0 + Ticks(0.001), sent0 + Ticks(0.001) + Ticks(0.003), 32),
            new(SpanKind.Backward, 0, sent0 + Ticks(0.001) + Ticks(0.003), computed0, 32),
            new(SpanKind.Send, 0, computed0, computed0 + Ticks(0.0007), 32), // reported with the next push
            new(SpanKind.Receive, 1, sent1, sent1 + Ticks(0.0005), 32, Ticks(5.01)),
            new(SpanKind.Forward, 1, sent1 + Ticks(0.0005), sent1 + Ticks(0.0005) + Ticks(0.0015), 32),
            new(SpanKind.Backward, 1, sent1 + Ticks(0.0005) + Ticks(0.0015), sent1 + Ticks(0.0005) + Ticks(0.002), 32),
        }, track.Spans.Spans.ToArray());
        Assert.Equal([new TimelineSpan(SpanKind.Step, 0, sent0, sent0 + Ticks(0.008), 32), new TimelineSpan(SpanKind.Step, 1, sent1, sent1 + Ticks(0.005), 32)],
            timeline.Coordinator.Spans.ToArray());
    }

    [Fact]
    public void The_reports_of_workers_in_this_process_must_not_be_placed_they_record_their_own()
    {
        var timeline = new RunTimeline("run", new StepWindow(0, 10));
        var local = timeline.Worker("worker-1");
        timeline.StepApplied(Applied(0, Report("worker-1", 0, 16, new ShardTiming(0.001, 0.002))), 100, 200);

        Assert.Equal(0, local.Spans.Length);
        Assert.DoesNotContain(timeline.Tracks, t => t.Node is not null);
        Assert.Equal(["coordinator", "worker-1"], timeline.Tracks.Select(t => t.Name));
    }

    [Fact]
    public void A_second_shard_of_one_step_must_not_be_placed_and_a_send_must_be_placed_once()
    {
        var timeline = new RunTimeline("run", new StepWindow(0, 10));
        timeline.StepApplied(Applied(0, Report(Remote, 0, 8, new ShardTiming(0.001, 0.001))), 0, Ticks(0.01));
        // Step 1: this worker computed its own shard and one reassigned to it from a lost worker.
        timeline.StepApplied(Applied(1,
            Report(Remote, 0, 8, new ShardTiming(0.001, 0.001) { SentStep = 0, SentSeconds = 0.001 }),
            Report(Remote, 8, 8, new ShardTiming(0, 0.001) { SentStep = 1, SentSeconds = 0.001 })), Ticks(0.02), Ticks(0.03));
        timeline.StepApplied(Applied(2, Report(Remote, 0, 16, new ShardTiming(0.001, 0.001) { SentStep = 1, SentSeconds = 0.002 })), Ticks(0.04), Ticks(0.05));

        var spans = Track(timeline, "10.0.0.2:4054").Spans.Spans.ToArray();
        Assert.Equal([4, 4, 3], spans.GroupBy(s => s.Step).Select(g => g.Count()));
        Assert.Equal(2, spans.Count(s => s is { Kind: SpanKind.Send, Step: 0 or 1 }));
        Assert.Equal(Ticks(0.001), spans.Single(s => s is { Kind: SpanKind.Send, Step: 1 }).Duration); // the first shard's, reported by the second
    }

    [Fact]
    public void Steps_outside_the_window_must_not_be_recorded_but_the_step_after_it_must_place_the_windows_last_send()
    {
        var timeline = new RunTimeline("run", new StepWindow(5, 2));
        for (long step = 0; step < 10; step++)
            timeline.StepApplied(Applied(step, Report(Remote, 0, 4, new ShardTiming(0, 0.001) { SentStep = step == 0 ? null : step - 1, SentSeconds = 0.001 })),
                step * 1000, step * 1000 + 900);

        Assert.Equal([5L, 6], timeline.Coordinator.Spans.ToArray().Select(s => s.Step));
        var spans = Track(timeline, "10.0.0.2:4054").Spans.Spans.ToArray();
        Assert.Equal([5L, 6], spans.Select(s => s.Step).Distinct());
        Assert.Equal(2, spans.Count(s => s.Kind == SpanKind.Send));
    }

    [Fact]
    public void Recording_a_step_and_placing_remote_workers_must_not_allocate_once_their_tracks_exist()
    {
        var timeline = new RunTimeline("run", new StepWindow(0, 500));
        var applied = Enumerable.Range(0, 400).Select(i => Applied(i,
            Report(Remote, 0, 8, new ShardTiming(0.001, 0.002) { SentStep = i == 0 ? null : i - 1, SentSeconds = 0.001 }),
            Report("10.0.0.3:4054/worker-1", 8, 8, new ShardTiming(0.001, 0.002) { SentStep = i == 0 ? null : i - 1 }))).ToArray();
        timeline.StepApplied(applied[0], 0, 10); // creates the tracks (and compiles)

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 1; step < applied.Length; step++) timeline.StepApplied(applied[step], step * 100, step * 100 + 50);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(400, timeline.Coordinator.Spans.Length);
    }
}
