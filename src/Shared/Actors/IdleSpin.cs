// How a dedicated dispatcher thread waits a little before it blocks: a thread blocked on a monitor takes
// tens of microseconds to wake on these VMs (the hypervisor must reschedule the idle vCPU), a spinning one
// sees new work within a microsecond or two. Used by the "pinned" and the "thread:<name>" dispatchers.
using System.Diagnostics;

namespace Dpt.Actors;

internal readonly struct IdleSpin
{
    // About every 10 µs the spinner offers its core to a runnable thread: when cores are oversubscribed the
    // thread we wait for may be queued behind us on this core. Measured on a loaded 2-core VM: round trip
    // 21 µs instead of 115 µs; no cost when cores are free.
    private const int YieldEverySpins = 16;

    private readonly long _ticks;

    public IdleSpin(TimeSpan duration) => _ticks = (long)(duration.TotalSeconds * Stopwatch.Frequency);

    public bool Enabled => _ticks > 0;

    /// <summary>Spins until <paramref name="workArrived"/> returns true (then true) or the duration is over (then false).</summary>
    public bool Until<TState>(Func<TState, bool> workArrived, TState state)
    {
        if (_ticks == 0) return false;
        long deadline = Stopwatch.GetTimestamp() + _ticks;
        int spins = 0;
        do
        {
            // Thread.SpinWait never sleeps, unlike SpinWait.SpinOnce, whose Sleep(1) would cost a millisecond.
            Thread.SpinWait(20);
            if (workArrived(state)) return true;
            if (++spins % YieldEverySpins == 0) Thread.Yield();
        } while (Stopwatch.GetTimestamp() < deadline);
        return false;
    }
}
