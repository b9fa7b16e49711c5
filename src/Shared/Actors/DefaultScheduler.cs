// The scheduler of an actor system, on System.Threading.Timer (about 1 ms resolution). It stops
// every pending action when the system terminates.
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Dpt.Actors;

/// <summary>Timer-queue based <see cref="IScheduler"/>.</summary>
internal sealed class DefaultScheduler(ILogger log) : IScheduler
{
    private readonly ConcurrentDictionary<Scheduled, byte> _pending = new();
    private volatile bool _shutDown;

    public ICancelable ScheduleTellOnce(TimeSpan delay, IActorRef receiver, object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        var from = sender ?? ActorRefs.NoSender;
        return Schedule(delay, null, () => receiver.Tell(message, from));
    }

    public ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, IActorRef receiver, object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        if (interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), interval, "the interval must be positive");
        var from = sender ?? ActorRefs.NoSender;
        return Schedule(initialDelay, interval, () => receiver.Tell(message, from));
    }

    public ICancelable ScheduleOnce(TimeSpan delay, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return Schedule(delay, null, action);
    }

    /// <summary>Cancels everything pending and refuses new work: the system has terminated.</summary>
    public void Shutdown()
    {
        _shutDown = true;
        foreach (var scheduled in _pending.Keys) scheduled.Cancel();
    }

    private Scheduled Schedule(TimeSpan delay, TimeSpan? interval, Action action)
    {
        if (delay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(delay), delay, "the delay must not be negative");
        var scheduled = new Scheduled(this, action, interval is not null);
        if (_shutDown)
        {
            scheduled.Cancel();
            return scheduled;
        }
        _pending.TryAdd(scheduled, 0);
        scheduled.Start(delay, interval ?? Timeout.InfiniteTimeSpan);
        if (_shutDown) scheduled.Cancel(); // raced with Shutdown, which may not have seen it
        return scheduled;
    }

    private sealed class Scheduled(DefaultScheduler scheduler, Action action, bool repeating) : ICancelable
    {
        private const int Pending = 0, Done = 1, Cancelled = 2;
        private int _state;
        private Timer? _timer;

        public bool IsCancellationRequested => Volatile.Read(ref _state) == Cancelled;

        public void Start(TimeSpan delay, TimeSpan period)
        {
            // No ExecutionContext flow: scheduled sends must not pick up the caller's async locals.
            using (ExecutionContext.SuppressFlow())
                _timer = new Timer(static s => ((Scheduled)s!).Fire(), this, delay, period);
            if (Volatile.Read(ref _state) != Pending) _timer.Dispose(); // cancelled or fired before _timer was set
        }

        public void Cancel()
        {
            if (Interlocked.CompareExchange(ref _state, Cancelled, Pending) == Pending) Release();
        }

        private void Fire()
        {
            if (repeating ? Volatile.Read(ref _state) != Pending : Interlocked.CompareExchange(ref _state, Done, Pending) != Pending)
                return;
            try
            {
                action();
            }
            catch (Exception e)
            {
                scheduler.LogFailure(e);
            }
            if (!repeating) Release();
        }

        private void Release()
        {
            Volatile.Read(ref _timer)?.Dispose();
            scheduler._pending.TryRemove(this, out _);
        }
    }

    private void LogFailure(Exception e) => log.LogError(e, "A scheduled action failed");
}
