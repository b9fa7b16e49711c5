// Timers owned by an actor (Akka's IWithTimers): keyed, cancelled when the actor stops or
// restarts, and a message of a cancelled or replaced timer is never delivered.

namespace Dpt.Actors;

/// <summary>Implement on an actor to get <see cref="Timers"/>; declare it as
/// <c>public ITimerScheduler Timers { get; set; } = null!;</c>. The runtime sets it before the
/// constructor body runs, so timers may be started in the constructor.</summary>
public interface IWithTimers
{
    /// <summary>The actor's timers; set by the runtime.</summary>
    ITimerScheduler Timers { get; set; }
}

/// <summary>Keyed timers that send messages to their actor. Use only from the actor itself.</summary>
public interface ITimerScheduler
{
    /// <summary>Sends <paramref name="message"/> to the actor once, after <paramref name="delay"/>.
    /// Replaces any timer with the same key.</summary>
    void StartSingleTimer(object key, object message, TimeSpan delay);

    /// <summary>Sends <paramref name="message"/> to the actor every <paramref name="interval"/>, the first
    /// time after one interval. Replaces any timer with the same key.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan interval);

    /// <summary>Sends <paramref name="message"/> to the actor every <paramref name="interval"/>, the first
    /// time after <paramref name="initialDelay"/>. Replaces any timer with the same key.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);

    /// <summary>True while the timer <paramref name="key"/> may still deliver a message.</summary>
    bool IsTimerActive(object key);

    /// <summary>The keys of the active timers.</summary>
    IReadOnlyCollection<object> ActiveTimers { get; }

    /// <summary>Cancels the timer <paramref name="key"/>; its message will not be delivered, even if already queued.</summary>
    void Cancel(object key);

    /// <summary>Cancels all timers.</summary>
    void CancelAll();
}
