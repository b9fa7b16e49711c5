// The span recorder keeps the spans of its window's steps, in order, up to its capacity, and records without
// allocating: it runs inside every actor of a step when --timeline is on.
using Dpt.Training.Timeline;

namespace Dpt.Shared.Tests.Training.Timeline;

public class SpanRecorderSpec
{
    [Fact]
    public void Recorder_must_keep_the_spans_of_its_window_in_the_order_recorded()
    {
        var recorder = new SpanRecorder(new StepWindow(10, 3), spansPerStep: 2);
        for (long step = 8; step < 15; step++) recorder.Add(SpanKind.Forward, step, step * 100, step * 100 + 7, count: 4);

        Assert.Equal([10L, 11L, 12L], recorder.Spans.ToArray().Select(s => s.Step));
        Assert.Equal(new TimelineSpan(SpanKind.Forward, 11, 1100, 1107, 4), recorder.Spans[1]);
        Assert.Equal(7, recorder.Spans[0].Duration);
        Assert.Equal(0, recorder.Dropped);
    }

    [Fact]
    public void Recorder_must_drop_and_count_the_spans_past_its_capacity()
    {
        var recorder = new SpanRecorder(new StepWindow(0, 2), spansPerStep: 2);
        for (int i = 0; i < 7; i++) recorder.Add(SpanKind.Send, 1, i, i + 1);

        Assert.Equal(4, recorder.Spans.Length);
        Assert.Equal([0L, 1, 2, 3], recorder.Spans.ToArray().Select(s => s.Start));
        Assert.Equal(3, recorder.Dropped);
    }

    [Fact]
    public void Recording_must_not_allocate()
    {
        var recorder = new SpanRecorder(new StepWindow(0, 1000), spansPerStep: 4);
        recorder.Add(SpanKind.Receive, 0, 1, 2); // warm up: JIT compilation allocates
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (long step = 1; step < 2000; step++)
        {
            recorder.Add(SpanKind.Receive, step, 1, 2, 64);
            recorder.Add(SpanKind.Forward, step, 2, 3, 64, workerClock: 5);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_window_must_hold_at_least_one_step_numbered_from_0()
    {
        Assert.Contains("at least one step", Assert.Throws<ArgumentOutOfRangeException>(() => new StepWindow(0, 0)).Message);
        Assert.Contains("numbered from 0", Assert.Throws<ArgumentOutOfRangeException>(() => new StepWindow(-1, 5)).Message);
        var window = new StepWindow(5, 3);
        Assert.Equal((false, true, true, false), (window.Contains(4), window.Contains(5), window.Contains(7), window.Contains(8)));
        Assert.Equal("steps 5-7", window.ToString());
        Assert.Equal("step 5", new StepWindow(5, 1).ToString());
    }
}
