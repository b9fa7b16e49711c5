// The implementation of an actor's keyed timers. Each start gets a new generation number and
// the message travels wrapped with it; on arrival the wrapper is delivered only if its key is
// still active with that generation, so a cancelled or replaced timer's message, even one
// already in the mailbox, is dropped.

namespace Dpt.Actors;

/// <summary>An actor's timers (one per cell, kept across restarts but emptied by them).</summary>
internal sealed class TimerScheduler(ActorCell cell) : ITimerScheduler
{
    private readonly Dictionary<object, Timer> _timers = [];
    private int _generation;

    public void StartSingleTimer(object key, object message, TimeSpan delay) => Start(key, message, delay, null);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) => Start(key, message, interval, interval);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "a periodic timer's interval must be positive");
        Start(key, message, initialDelay, interval);
    }

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public IReadOnlyCollection<object> ActiveTimers => [.. _timers.Keys];

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var timer)) timer.Task.Cancel();
    }

    public void CancelAll()
    {
        foreach (var timer in _timers.Values) timer.Task.Cancel();
        _timers.Clear();
    }

    /// <summary>The message to deliver for an arrived timer message, or null if its timer was
    /// cancelled or replaced since it was sent.</summary>
    public object? Unwrap(TimerMessage arrived)
    {
        if (!ReferenceEquals(arrived.Owner, this)
            || !_timers.TryGetValue(arrived.Key, out var timer)
            || timer.Generation != arrived.Generation)
            return null;
        if (!timer.Repeating) _timers.Remove(arrived.Key);
        return arrived.Message;
    }

    private void Start(object key, object message, TimeSpan delay, TimeSpan? interval)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        if (delay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(delay), delay, "a timer's delay must not be negative");
        Cancel(key);
        int generation = ++_generation;
        var wrapped = new TimerMessage(key, message, generation, this);
        var scheduler = cell.System.Scheduler;
        var task = interval is { } period
            ? scheduler.ScheduleTellRepeatedly(delay, period, cell.Self, wrapped, ActorRefs.NoSender)
            : scheduler.ScheduleTellOnce(delay, cell.Self, wrapped, ActorRefs.NoSender);
        _timers[key] = new Timer(generation, interval is not null, task);
    }

    private sealed record Timer(int Generation, bool Repeating, ICancelable Task);
}

/// <summary>A timer's message on its way to the actor, tagged with the timer's generation.</summary>
internal sealed record TimerMessage(object Key, object Message, int Generation, TimerScheduler Owner) : IAutoReceivedMessage
{
    public override string ToString() => $"Timer({Key}: {Message})";
}
