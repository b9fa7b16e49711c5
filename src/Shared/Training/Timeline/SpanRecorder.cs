// The spans one actor records for a timeline, in a buffer sized up front for the window's steps, so that
// recording a step allocates nothing. One actor writes (one message at a time); the trace writer reads once
// the run is over. Spans of steps outside the window are not kept, and neither are spans past the capacity
// (counted in Dropped), so a long run costs no more than its window.
namespace Dpt.Training.Timeline;

public sealed class SpanRecorder
{
    private readonly TimelineSpan[] _spans;
    private int _count;
    private int _dropped;

    /// <param name="spansPerStep">The most spans the actor records in one step.</param>
    public SpanRecorder(StepWindow window, int spansPerStep)
    {
        if (spansPerStep <= 0) throw new ArgumentOutOfRangeException(nameof(spansPerStep), spansPerStep, "must be positive");
        Window = window;
        _spans = new TimelineSpan[checked(window.Count * spansPerStep)];
    }

    public StepWindow Window { get; }

    /// <summary>The spans recorded so far, in the order they were recorded.</summary>
    public ReadOnlySpan<TimelineSpan> Spans => _spans.AsSpan(0, Volatile.Read(ref _count));

    /// <summary>Spans of the window that did not fit.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    public void Add(SpanKind kind, long step, long start, long end, int count = 0, long workerClock = 0)
    {
        if (!Window.Contains(step)) return;
        int n = _count;
        if (n == _spans.Length)
        {
            _dropped++;
            return;
        }
        _spans[n] = new TimelineSpan(kind, step, start, end, count, workerClock);
        Volatile.Write(ref _count, n + 1); // publishes the span (written first) to a reader on another thread
    }
}
