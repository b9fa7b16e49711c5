// The options of an actor system (logging, dispatcher tuning, shutdown) and their validator.
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dpt.Actors;

/// <summary>Options of an <see cref="ActorSystem"/>; <see cref="Validate"/> runs before anything starts.</summary>
public sealed record ActorSystemSettings
{
    /// <summary>The settings used when none are given.</summary>
    public static ActorSystemSettings Default { get; } = new();

    /// <summary>Where the runtime and actors log (failures, dead letters, unhandled messages).
    /// Default: <see cref="NullLoggerFactory.Instance"/> (no logging).</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Messages an actor on the "default" (thread-pool) dispatcher processes per turn before
    /// giving its thread to other actors. Range [1, 10 000]; default 30 (as Akka).</summary>
    public int Throughput { get; init; } = 30;

    /// <summary>How long an idle "pinned" dispatcher thread spins, watching its mailbox, before it
    /// blocks. A spinning thread picks a message up within a microsecond or two; a blocked one takes
    /// tens of microseconds to wake (measured on the 2-core VMs: median round trip 2.5-4 µs back-to-back
    /// with free cores, 25-75 µs with 1 ms between messages). Raise it above the gap between messages (say 1.5 ms for
    /// one per millisecond) where cores are free, or where waking is what is slow: the spin offers the core to
    /// other runnable threads every ~10 µs, but an idle pinned actor still keeps its core from sleeping.
    /// Range [0, 10 ms]; default 0. dpt-worker spins its worker actors 1 ms (--idle-spin-us): in cluster mode the
    /// next step's parameters reach a waiting worker as several messages, each of which cost a wake-up.</summary>
    public TimeSpan PinnedSpinDuration { get; init; } = TimeSpan.Zero;

    /// <summary>How long an idle "thread:&lt;name&gt;" dispatcher thread spins, watching its queue, before it
    /// blocks; as <see cref="PinnedSpinDuration"/>. Local training with no more lanes than cores raises it
    /// (<c>LocalTraining.Settings</c>): there the lanes are the only busy threads, and a lane that finished its
    /// part of a step waits only tens of microseconds for the next. Range [0, 10 ms]; default 0.</summary>
    public TimeSpan ThreadSpinDuration { get; init; } = TimeSpan.Zero;

    /// <summary>How long <see cref="ActorSystem.Dispose"/> waits for the system to terminate.
    /// Range (0, 1 h]; default 10 s.</summary>
    public TimeSpan TerminationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The strategy of the user guardian, which supervises the actors made with
    /// <see cref="ActorSystem.ActorOf"/>. Default: <see cref="SupervisorStrategy.DefaultStrategy"/>
    /// (restart on failure, stop on initialisation failure).</summary>
    public SupervisorStrategy GuardianSupervisorStrategy { get; init; } = SupervisorStrategy.DefaultStrategy;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (LoggerFactory is null)
            throw new ArgumentException($"{nameof(LoggerFactory)} must not be null; use NullLoggerFactory.Instance for no logging");
        if (Throughput is < 1 or > 10_000)
            throw new ArgumentException($"{nameof(Throughput)} is {Throughput}; it must be in [1, 10000]");
        if (PinnedSpinDuration < TimeSpan.Zero || PinnedSpinDuration > TimeSpan.FromMilliseconds(10))
            throw new ArgumentException($"{nameof(PinnedSpinDuration)} is {PinnedSpinDuration.TotalMicroseconds} µs; it must be in [0, 10000] µs");
        if (ThreadSpinDuration < TimeSpan.Zero || ThreadSpinDuration > TimeSpan.FromMilliseconds(10))
            throw new ArgumentException($"{nameof(ThreadSpinDuration)} is {ThreadSpinDuration.TotalMicroseconds} µs; it must be in [0, 10000] µs");
        if (TerminationTimeout <= TimeSpan.Zero || TerminationTimeout > TimeSpan.FromHours(1))
            throw new ArgumentException($"{nameof(TerminationTimeout)} is {TerminationTimeout}; it must be in (0, 1 h]");
        if (GuardianSupervisorStrategy is null)
            throw new ArgumentException($"{nameof(GuardianSupervisorStrategy)} must not be null");
    }
}
