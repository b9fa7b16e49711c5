// The spans of a worker in another process, placed on this process's clock from the ShardTiming of its pushes.
// Nothing assumes synchronised clocks: the worker times its phases from the moment it received its shard, and
// they are placed from the moment the coordinator sent the step. The one-way delay of the shard message shifts
// them earlier by that delay, so they stay inside the step. On one machine both processes read the same
// monotonic clock, and the worker's own time of receipt (reported beside) shows that delay.
using System.Diagnostics;
using Dpt.Training;
using Dpt.Training.Timeline;

namespace Dpt.Coordinator.Timeline;

internal sealed class RemoteWorkerSpans(SpanRecorder spans)
{
    private long _placedStep = -1;
    private long _computedAt;
    private int _samples;
    private bool _sendPlaced;

    /// <summary>Places the shard of <paramref name="step"/> in <paramref name="report"/>, and the send of the worker's
    /// previous push, which the report carries. A second shard of one step (reassigned from a lost worker) is not
    /// placed: when it was sent to this worker is not known here.</summary>
    public void Place(long step, ShardReport report, long sentAt)
    {
        var timing = report.Timing;
        if (_placedStep >= 0 && timing.SentStep == _placedStep && !_sendPlaced)
        {
            spans.Add(SpanKind.Send, _placedStep, _computedAt, _computedAt + Ticks(timing.SentSeconds), _samples);
            _sendPlaced = true;
        }
        if (step == _placedStep) return;
        long started = sentAt + Ticks(timing.WaitSeconds);
        long forwarded = started + Ticks(timing.ForwardSeconds);
        long computed = started + Ticks(timing.ComputeSeconds);
        int samples = report.Shard.Count;
        spans.Add(SpanKind.Receive, step, sentAt, started, samples, workerClock: Ticks(timing.ReceivedClockSeconds));
        spans.Add(SpanKind.Forward, step, started, forwarded, samples);
        spans.Add(SpanKind.Backward, step, forwarded, computed, samples);
        (_placedStep, _computedAt, _samples, _sendPlaced) = (step, computed, samples, false);
    }

    private static long Ticks(double seconds) => (long)Math.Round(seconds * Stopwatch.Frequency);
}
