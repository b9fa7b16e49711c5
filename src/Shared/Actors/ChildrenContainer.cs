// The children of one actor, by name, with the restart statistics their supervisor keeps.
// Not thread-safe by itself: the owning cell locks it, because guardians get children from
// ActorSystem.ActorOf on any thread.

namespace Dpt.Actors;

/// <summary>One child as its parent sees it.</summary>
internal sealed class ChildEntry(LocalActorRef child)
{
    public LocalActorRef Ref { get; } = child;

    /// <summary>True once the parent asked it to stop; its name stays taken until it has stopped.</summary>
    public bool Stopping { get; set; }

    /// <summary>Restarts counted by the supervisor strategy.</summary>
    public ChildRestartStats Restarts { get; } = new();
}

/// <summary>Children by name.</summary>
internal sealed class ChildrenContainer
{
    private readonly Dictionary<string, ChildEntry> _byName = new(StringComparer.Ordinal);

    /// <summary>Set when the parent stops: it may get no new children.</summary>
    public bool IsTerminating { get; set; }

    public int Count => _byName.Count;

    public bool Contains(string name) => _byName.ContainsKey(name);

    public void Add(LocalActorRef child) => _byName.Add(child.Path.Name, new ChildEntry(child));

    public LocalActorRef? Get(string name) => _byName.TryGetValue(name, out var entry) ? entry.Ref : null;

    /// <summary>The entry of exactly this incarnation, or null.</summary>
    public ChildEntry? Find(IActorRef child) =>
        _byName.TryGetValue(child.Path.Name, out var entry) && entry.Ref.Equals(child) ? entry : null;

    public bool Remove(IActorRef child) => Find(child) is not null && _byName.Remove(child.Path.Name);

    public bool AnyStopping => _byName.Values.Any(e => e.Stopping);

    public ChildEntry[] Entries() => [.. _byName.Values];

    public IActorRef[] Refs() => [.. _byName.Values.Select(e => (IActorRef)e.Ref)];
}
