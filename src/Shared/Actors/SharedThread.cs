// A dedicated thread that runs the mailboxes of several actors, one turn at a time: the "thread:<name>"
// dispatcher, after Akka's affinity pool. Actors that hand work to each other in turn (a training worker
// and its parameter-server shard) share one, so the hand-off costs no thread wake-up and their data stays
// in one core's cache. Idle, the thread spins for ActorSystemSettings.ThreadSpinDuration, then parks on a
// monitor; it ends when its actor system terminates.
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Dpt.Actors;

internal sealed class SharedThread
{
    private readonly ConcurrentQueue<SharedThreadMailbox> _ready = new();
    // Allocated up front so that parking never allocates (see PinnedMailbox).
    private readonly object _parking = new();
    private readonly Thread _thread;
    private readonly ILogger _log;
    private readonly IdleSpin _spin;
    private int _parked;
    private volatile bool _stopping;

    public SharedThread(string name, ILogger log, TimeSpan spinDuration)
    {
        Name = name;
        _log = log;
        _spin = new IdleSpin(spinDuration);
        _thread = new Thread(Loop) { IsBackground = true, Name = $"dpt-thread {name}" };
        // UnsafeStart: the thread must not inherit the creator's ExecutionContext (async locals).
        _thread.UnsafeStart();
    }

    public string Name { get; }

    /// <summary>The thread, for tests that check where an actor runs.</summary>
    public Thread Thread => _thread;

    /// <summary>Queues a mailbox turn (any thread); wakes the thread if it is parked.</summary>
    public void Enqueue(SharedThreadMailbox mailbox)
    {
        _ready.Enqueue(mailbox);
        // Pairs with the barrier in Park: either the thread sees the mailbox or we see it parked.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _parked) == 1)
        {
            lock (_parking) Monitor.Pulse(_parking);
        }
    }

    /// <summary>Ends the thread once its queued turns are done.</summary>
    public void Stop()
    {
        _stopping = true;
        lock (_parking) Monitor.Pulse(_parking);
    }

    private void Loop()
    {
        try
        {
            while (true)
            {
                if (_ready.TryDequeue(out var mailbox)) mailbox.RunTurn();
                else if (_stopping) return;
                else if (!_spin.Until(static self => !self._ready.IsEmpty || self._stopping, this)) Park();
            }
        }
        catch (Exception e)
        {
            // Cells catch actor failures; reaching here is a runtime bug, which must not go unseen.
            _log.LogCritical(e, "The shared dispatcher thread {Thread} died", Name);
        }
    }

    private void Park()
    {
        lock (_parking)
        {
            Volatile.Write(ref _parked, 1);
            Interlocked.MemoryBarrier();
            if (_ready.IsEmpty && !_stopping) Monitor.Wait(_parking);
            Volatile.Write(ref _parked, 0);
        }
    }
}

/// <summary>The mailbox of an actor on a <see cref="SharedThread"/>: a run request queues one turn there.</summary>
internal sealed class SharedThreadMailbox(ActorCell cell, int throughput, SharedThread thread) : Mailbox(cell, throughput)
{
    protected override void RequestRun() => thread.Enqueue(this);

    public void RunTurn() => Run();
}

/// <summary>The shared threads of one actor system, created on first use by name.</summary>
internal sealed class SharedThreads(ILogger log, TimeSpan spinDuration)
{
    // A lock, not ConcurrentDictionary.GetOrAdd: its factory can run more than once when actors of different
    // parents are created at once, and each run would start a thread that no actor uses and nothing stops.
    // The lock also keeps StopAll from missing a thread started while it runs. Taken only when an actor is created.
    private readonly Dictionary<string, SharedThread> _threads = new();
    private bool _stopped;

    public SharedThread Get(string name)
    {
        lock (_threads)
        {
            if (_stopped) throw new InvalidOperationException($"the actor system has terminated; no thread '{name}' can start");
            if (!_threads.TryGetValue(name, out var thread)) _threads.Add(name, thread = new SharedThread(name, log, spinDuration));
            return thread;
        }
    }

    public void StopAll()
    {
        lock (_threads)
        {
            _stopped = true;
            foreach (var thread in _threads.Values) thread.Stop();
        }
    }
}
