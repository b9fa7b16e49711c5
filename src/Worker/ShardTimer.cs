// Times the phases of each shard a worker computes: for the ShardTiming its pushes carry (the coordinator's
// step split, and the timeline of a worker in another process), and as timeline spans when the worker has a
// recorder (a worker in the coordinator's process, with --timeline). Without one it costs a few timestamps.
using System.Diagnostics;
using Dpt.Training;
using Dpt.Training.Timeline;

namespace Dpt.Worker;

internal sealed class ShardTimer(SpanRecorder? spans)
{
    private long? _sentStep;
    private double _sentSeconds;

    /// <summary>The timing of a shard received at <paramref name="received"/> whose computation ran from
    /// <paramref name="started"/> to <paramref name="computed"/>, the first <paramref name="forwardTicks"/> of it forward.</summary>
    public ShardTiming Computed(long received, long started, long forwardTicks, long computed) =>
        new(Seconds(started - received), Seconds(computed - started))
        {
            ForwardSeconds = Seconds(forwardTicks),
            SentStep = _sentStep,
            SentSeconds = _sentSeconds,
            ReceivedClockSeconds = Seconds(received),
        };

    /// <summary>Notes that the gradient of <paramref name="step"/> was pushed by <paramref name="sent"/> (the next push
    /// reports it), and records the shard's spans.</summary>
    public void Sent(long step, int samples, long received, long started, long forwardTicks, long computed, long sent)
    {
        _sentStep = step;
        _sentSeconds = Seconds(sent - computed);
        if (spans is null) return;
        spans.Add(SpanKind.Receive, step, received, started, samples);
        spans.Add(SpanKind.Forward, step, started, started + forwardTicks, samples);
        spans.Add(SpanKind.Backward, step, started + forwardTicks, computed, samples);
        spans.Add(SpanKind.Send, step, computed, sent, samples);
    }

    private static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
}
