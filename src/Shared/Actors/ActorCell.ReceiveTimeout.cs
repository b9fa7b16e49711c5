// The receive timeout: each influencing message moves a deadline (a timestamp write, no timer
// churn); a single scheduled check per period compares the clock with it and either delivers
// ReceiveTimeout or reschedules itself for the remaining time.
using System.Diagnostics;

namespace Dpt.Actors;

internal sealed partial class ActorCell
{
    private TimeSpan? _receiveTimeout;
    private long _receiveTimeoutDeadline;
    private int _receiveTimeoutGeneration;
    private ICancelable? _receiveTimeoutCheck;

    public TimeSpan? ReceiveTimeout => _receiveTimeout;

    public void SetReceiveTimeout(TimeSpan? timeout)
    {
        if (timeout is { } t && t < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a receive timeout must not be negative");
        CancelReceiveTimeout();
        if (timeout is not { } period || period == TimeSpan.Zero) return;
        _receiveTimeout = period;
        TouchReceiveTimeout();
        ScheduleReceiveTimeoutCheck(period);
    }

    private void TouchReceiveTimeout() =>
        _receiveTimeoutDeadline = Stopwatch.GetTimestamp() + (long)(_receiveTimeout!.Value.TotalSeconds * Stopwatch.Frequency);

    private void ScheduleReceiveTimeoutCheck(TimeSpan delay) =>
        _receiveTimeoutCheck = System.Scheduler.ScheduleTellOnce(
            delay, Self, new ReceiveTimeoutCheck(_receiveTimeoutGeneration), ActorRefs.NoSender);

    private void ReceivedReceiveTimeoutCheck(ReceiveTimeoutCheck check)
    {
        if (check.Generation != _receiveTimeoutGeneration || _receiveTimeout is not { } period) return;
        long remaining = _receiveTimeoutDeadline - Stopwatch.GetTimestamp();
        if (remaining > 0)
        {
            ScheduleReceiveTimeoutCheck(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency));
            return;
        }
        int generation = _receiveTimeoutGeneration;
        ReceiveMessage(Actors.ReceiveTimeout.Instance);
        // Unless the handler changed or cancelled the timeout, the next idle period starts now.
        if (generation == _receiveTimeoutGeneration)
        {
            TouchReceiveTimeout();
            ScheduleReceiveTimeoutCheck(period);
        }
    }

    private void CancelReceiveTimeout()
    {
        _receiveTimeoutGeneration++;
        _receiveTimeout = null;
        _receiveTimeoutCheck?.Cancel();
        _receiveTimeoutCheck = null;
    }
}

/// <summary>The scheduled check of an actor's receive timeout.</summary>
internal sealed record ReceiveTimeoutCheck(int Generation) : IAutoReceivedMessage, INotInfluenceReceiveTimeout;
