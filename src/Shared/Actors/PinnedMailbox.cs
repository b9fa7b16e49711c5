// The "pinned" dispatcher's mailbox: one dedicated, named, background thread per actor, like
// Akka's PinnedDispatcher, for compute-heavy actors on the training hot path. When idle, the
// thread spins briefly before blocking, so a message that follows closely is picked up in
// microseconds instead of paying for a kernel wake-up.
using Microsoft.Extensions.Logging;

namespace Dpt.Actors;

/// <summary>A mailbox with its own thread, which ends when the actor stops.</summary>
internal sealed class PinnedMailbox : Mailbox
{
    private readonly Thread _thread;
    private readonly IdleSpin _spin;
    // Parking on a monitor allocated up front: ManualResetEventSlim would allocate its lock object the
    // first time the thread blocks, a stray allocation on the hot path.
    private readonly object _parking = new();
    private int _runRequested;
    private int _parked;

    public PinnedMailbox(ActorCell cell, TimeSpan spinDuration)
        : base(cell, throughput: int.MaxValue)
    {
        _spin = new IdleSpin(spinDuration);
        _thread = new Thread(Loop) { IsBackground = true, Name = $"dpt-pinned {cell.Self.Path}" };
    }

    /// <summary>The thread that runs this actor.</summary>
    public Thread Thread => _thread;

    public override void Start()
    {
        // UnsafeStart: the thread must not inherit the creator's ExecutionContext (async locals).
        _thread.UnsafeStart();
        base.Start();
    }

    protected override void RequestRun()
    {
        Volatile.Write(ref _runRequested, 1);
        // Pairs with the barrier in Park: either the thread sees the request or we see it parked.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _parked) == 1)
        {
            lock (_parking) Monitor.Pulse(_parking);
        }
    }

    private void Loop()
    {
        try
        {
            while (!IsClosed)
            {
                if (Interlocked.Exchange(ref _runRequested, 0) == 1) Run();
                else if (!SpinForRequest()) Park();
            }
        }
        catch (Exception e)
        {
            // Cells catch actor failures; reaching here is a runtime bug, which must not go unseen.
            Cell.System.Log.LogCritical(e, "The pinned dispatcher thread of {Actor} died", Cell.Self.Path);
        }
    }

    private bool SpinForRequest() =>
        _spin.Until(static self => Volatile.Read(ref self._runRequested) == 1 || self.IsClosed, this);

    private void Park()
    {
        lock (_parking)
        {
            Volatile.Write(ref _parked, 1);
            Interlocked.MemoryBarrier();
            // A request made after this check finds _parked set and pulses, which it can only do
            // once Wait has released the lock: the pulse cannot be missed.
            if (Volatile.Read(ref _runRequested) == 0 && !IsClosed) Monitor.Wait(_parking);
            Volatile.Write(ref _parked, 0);
        }
    }
}
