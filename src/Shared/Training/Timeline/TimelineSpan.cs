// One span of a step timeline, as recorded: Stopwatch timestamps of the recording process.
namespace Dpt.Training.Timeline;

/// <param name="Count">What the span worked on, by kind: samples (worker spans, steps), pushes (aggregate),
/// parameters (apply), subscribers (publish).</param>
/// <param name="WorkerClock">A span placed from a remote worker's report: the worker's own Stopwatch timestamp of
/// the span's start (comparable with this process's clock only on one machine); 0 otherwise.</param>
public readonly record struct TimelineSpan(SpanKind Kind, long Step, long Start, long End, int Count, long WorkerClock = 0)
{
    public long Duration => End - Start;
}
