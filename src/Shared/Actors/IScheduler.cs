// Sending messages later: once, or repeatedly, each returning a handle that cancels it.

namespace Dpt.Actors;

/// <summary>A handle that cancels a scheduled action.</summary>
public interface ICancelable
{
    /// <summary>Cancels; a once-only action that has not started will not run. Idempotent.</summary>
    void Cancel();

    /// <summary>True once <see cref="Cancel"/> was called (or the scheduler shut down).</summary>
    bool IsCancellationRequested { get; }
}

/// <summary>The actor system's scheduler (<see cref="ActorSystem.Scheduler"/>). Delays have about a
/// millisecond of resolution; a message scheduled from inside an actor is sent without sender unless
/// one is given. For timers owned by an actor prefer <see cref="IWithTimers"/>, whose cancelled
/// timers never deliver.</summary>
public interface IScheduler
{
    /// <summary>Sends <paramref name="message"/> to <paramref name="receiver"/> once, after <paramref name="delay"/>.</summary>
    ICancelable ScheduleTellOnce(TimeSpan delay, IActorRef receiver, object message, IActorRef? sender = null);

    /// <summary>Sends <paramref name="message"/> to <paramref name="receiver"/> after <paramref name="initialDelay"/>
    /// and then every <paramref name="interval"/> until cancelled.</summary>
    ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, IActorRef receiver, object message, IActorRef? sender = null);

    /// <summary>Runs <paramref name="action"/> once, after <paramref name="delay"/>, on a thread-pool thread.</summary>
    ICancelable ScheduleOnce(TimeSpan delay, Action action);
}
