// The dispatchers an actor can run on, named in Props.WithDispatcher: "default" (thread pool)
// and "pinned" (a dedicated thread per actor). There is no configuration file; the settings that
// tune them are in ActorSystemSettings.

namespace Dpt.Actors;

/// <summary>Names of the dispatchers, for <see cref="Props.WithDispatcher"/>.</summary>
public static class Dispatchers
{
    /// <summary>The .NET thread pool; each actor processes up to <see cref="ActorSystemSettings.Throughput"/>
    /// messages per turn. Right for most actors.</summary>
    public const string Default = "default";

    /// <summary>A dedicated background thread per actor, spinning briefly when idle
    /// (<see cref="ActorSystemSettings.PinnedSpinDuration"/>); for compute-heavy, latency-sensitive actors.</summary>
    public const string Pinned = "pinned";

    /// <summary>True for the names above.</summary>
    public static bool IsKnown(string id) => id is Default or Pinned;

    /// <summary>The mailbox of <paramref name="cell"/> for the dispatcher <paramref name="id"/>.</summary>
    internal static Mailbox CreateMailbox(string id, ActorCell cell, ActorSystemSettings settings) => id switch
    {
        Default => new ThreadPoolMailbox(cell, settings.Throughput),
        Pinned => new PinnedMailbox(cell, settings.PinnedSpinDuration),
        _ => throw new ArgumentException($"unknown dispatcher [{id}]; known: {Default}, {Pinned}", nameof(id)),
    };
}
