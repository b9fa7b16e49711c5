// The dispatchers an actor can run on, named in Props.WithDispatcher: "default" (thread pool),
// "pinned" (a dedicated thread per actor) and "thread:<name>" (a dedicated thread shared by every actor
// naming it). There is no configuration file; the settings that tune them are in ActorSystemSettings.

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

    private const string ThreadPrefix = "thread:";

    /// <summary>
    /// A dedicated background thread named <paramref name="name"/>, shared by every actor of the system that
    /// names it; the actors take turns (up to <see cref="ActorSystemSettings.Throughput"/> messages each). For
    /// actors that hand work to each other in turn, so that hand-offs cost no thread wake-up.
    /// </summary>
    public static string Thread(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("a shared thread needs a name", nameof(name));
        return ThreadPrefix + name;
    }

    /// <summary>True for the names above.</summary>
    public static bool IsKnown(string id) => id is Default or Pinned || (id.StartsWith(ThreadPrefix, StringComparison.Ordinal) && id.Length > ThreadPrefix.Length);

    /// <summary>The mailbox of <paramref name="cell"/> for the dispatcher <paramref name="id"/>.</summary>
    internal static Mailbox CreateMailbox(string id, ActorCell cell, ActorSystem system) => id switch
    {
        Default => new ThreadPoolMailbox(cell, system.Settings.Throughput),
        Pinned => new PinnedMailbox(cell, system.Settings.PinnedSpinDuration),
        _ when IsKnown(id) => new SharedThreadMailbox(cell, system.Settings.Throughput, system.SharedThreads.Get(id[ThreadPrefix.Length..])),
        _ => throw new ArgumentException($"unknown dispatcher [{id}]; known: {Default}, {Pinned}, {ThreadPrefix}<name>", nameof(id)),
    };
}
