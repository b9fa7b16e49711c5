// The unique, location-transparent name of an actor: an Address plus path elements, like
// "dpt://trainer@10.0.0.5:4053/user/worker-1". Paths are values; they do not keep actors alive.
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Dpt.Actors;

/// <summary>An actor's address and its names from the root guardian down, plus the uid of one
/// incarnation. Equality compares address and elements only, as in Akka; refs compare the uid too.</summary>
public sealed class ActorPath : IEquatable<ActorPath>
{
    private readonly string[] _elements;
    private string? _text;

    private ActorPath(Address address, string[] elements, long uid)
    {
        Address = address;
        _elements = elements;
        Uid = uid;
    }

    /// <summary>The root path "dpt://system/" of <paramref name="address"/>.</summary>
    public static ActorPath RootOf(Address address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new ActorPath(address, [], 0);
    }

    /// <summary>The address of the system the actor lives in.</summary>
    public Address Address { get; }

    /// <summary>The names from the root down, e.g. ["user", "worker-1"]; empty for the root.</summary>
    public IReadOnlyList<string> Elements => _elements;

    /// <summary>Which incarnation of the actor at this path is meant; 0 when unknown.</summary>
    public long Uid { get; }

    /// <summary>The last element, or "/" for the root.</summary>
    public string Name => _elements.Length == 0 ? "/" : _elements[^1];

    /// <summary>The root path of the same address.</summary>
    public ActorPath Root => _elements.Length == 0 && Uid == 0 ? this : new ActorPath(Address, [], 0);

    /// <summary>The parent path (without uid), or null for the root.</summary>
    public ActorPath? Parent => _elements.Length == 0 ? null : new ActorPath(Address, _elements[..^1], 0);

    /// <summary>The path of the child <paramref name="name"/>; the name must be a valid path element.</summary>
    public ActorPath Child(string name)
    {
        if (string.IsNullOrEmpty(name)) throw new InvalidActorNameException("a path element must not be null or empty");
        ActorName.ValidateCharacters(name);
        return new ActorPath(Address, [.. _elements, name], 0);
    }

    /// <summary>The path of the child <paramref name="name"/>, as in <c>root / "user" / "worker"</c>.</summary>
    public static ActorPath operator /(ActorPath path, string name) => path.Child(name);

    /// <summary>This path for the incarnation <paramref name="uid"/>.</summary>
    public ActorPath WithUid(long uid) => uid == Uid ? this : new ActorPath(Address, _elements, uid);

    /// <summary>The same elements and uid under another address, e.g. the address a remote layer
    /// publishes for this node when it sends a local ref over the network.</summary>
    public ActorPath WithAddress(Address address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.Equals(Address) ? this : new ActorPath(address, _elements, Uid);
    }

    /// <summary>"/user/worker-1", or "/" for the root.</summary>
    public string ToStringWithoutAddress() => "/" + string.Join('/', _elements);

    /// <summary>"dpt://trainer@host:4053/user/worker-1" (no uid).</summary>
    public override string ToString() => _text ??= Address + ToStringWithoutAddress();

    /// <summary>The path with its uid, "dpt://trainer/user/worker-1#42", as a remote layer writes
    /// refs on the wire so that a message for an old incarnation does not reach a new one.</summary>
    public string ToSerializationFormat() => Uid == 0 ? ToString() : ToString() + "#" + Uid.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses a path such as "dpt://trainer@host:4053/user/worker-1#42" (the uid is optional);
    /// throws <see cref="FormatException"/> naming the problem.</summary>
    public static ActorPath Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var path, out var error) ? path : throw new FormatException($"[{text}] is not an actor path: {error}");
    }

    /// <summary>Parses a path, returning false instead of throwing.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ActorPath? path) => TryParse(text, out path, out _);

    private static bool TryParse(string? text, [NotNullWhen(true)] out ActorPath? path, out string error)
    {
        path = null;
        if (string.IsNullOrEmpty(text)) { error = "it is empty"; return false; }
        long uid = 0;
        int hash = text.IndexOf('#');
        if (hash >= 0)
        {
            if (!long.TryParse(text.AsSpan(hash + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out uid))
            { error = $"uid [{text[(hash + 1)..]}] is not a number"; return false; }
            text = text[..hash];
        }
        int schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        int pathStart = schemeEnd < 0 ? -1 : text.IndexOf('/', schemeEnd + 3);
        string addressText = pathStart < 0 ? text : text[..pathStart];
        if (!Address.TryParse(addressText, out var address, out error)) return false;
        string[] elements = pathStart < 0 || pathStart == text.Length - 1 ? [] : text[(pathStart + 1)..].Split('/');
        foreach (var element in elements)
        {
            if (element.Length == 0) { error = "it has an empty path element"; return false; }
            var bad = element.FirstOrDefault(c => !ActorName.IsValidElementChar(c));
            if (bad != default) { error = $"path element [{element}] contains '{bad}'"; return false; }
        }
        path = new ActorPath(address, elements, uid);
        error = "";
        return true;
    }

    public bool Equals(ActorPath? other) =>
        other is not null && Address.Equals(other.Address) && _elements.AsSpan().SequenceEqual(other._elements);

    public override bool Equals(object? obj) => Equals(obj as ActorPath);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Address);
        foreach (var element in _elements) hash.Add(element, StringComparer.Ordinal);
        return hash.ToHashCode();
    }

    public static bool operator ==(ActorPath? left, ActorPath? right) => left?.Equals(right) ?? right is null;

    public static bool operator !=(ActorPath? left, ActorPath? right) => !(left == right);
}
