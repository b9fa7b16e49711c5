// The address of an actor system: protocol, system name and, once it is reachable over the
// network, host and port. Local systems have no host: "dpt://trainer"; remote ones do:
// "dpt://trainer@10.0.0.5:4053". It says where an actor lives, not how to reach it.
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Dpt.Actors;

/// <summary>Where an actor system lives; the first part of every <see cref="ActorPath"/>.</summary>
public sealed class Address : IEquatable<Address>
{
    /// <summary>The protocol of every address of this runtime.</summary>
    public const string DefaultProtocol = "dpt";

    private readonly string _text;

    /// <summary>Creates an address; <paramref name="host"/> and <paramref name="port"/> are given
    /// together for a system reachable over the network, or both omitted for a local one.</summary>
    public Address(string protocol, string system, string? host = null, int? port = null)
    {
        if (string.IsNullOrEmpty(protocol) || !protocol.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '+' or '-'))
            throw new ArgumentException($"protocol [{protocol}] must be non-empty and made of ASCII letters, digits, '.', '+' or '-'", nameof(protocol));
        ActorName.ValidateSystemName(system, nameof(system));
        if (host is not null && (host.Length == 0 || host.Any(c => c is '/' or '@' or '#' || char.IsWhiteSpace(c))))
            throw new ArgumentException($"host [{host}] must be non-empty and contain no '/', '@', '#' or whitespace", nameof(host));
        if (port is not null && host is null)
            throw new ArgumentException($"port {port} is given without a host", nameof(port));
        if (port is < 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(port), port, "port must be in [0, 65535]");
        Protocol = protocol;
        System = system;
        Host = host;
        Port = port;
        _text = host is null ? $"{protocol}://{system}"
            : port is null ? $"{protocol}://{system}@{host}"
            : $"{protocol}://{system}@{host}:{port.Value.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>The address of a system that is not reachable over the network: "dpt://name".</summary>
    public static Address Local(string system) => new(DefaultProtocol, system);

    /// <summary>The address of a system reachable at <paramref name="host"/>:<paramref name="port"/>.</summary>
    public static Address Remote(string system, string host, int port) => new(DefaultProtocol, system, host, port);

    /// <summary>The protocol, "dpt" for this runtime.</summary>
    public string Protocol { get; }

    /// <summary>The actor system's name.</summary>
    public string System { get; }

    /// <summary>The host name or IP address (IPv6 in brackets), or null for a local address.</summary>
    public string? Host { get; }

    /// <summary>The TCP port, or null for a local address.</summary>
    public int? Port { get; }

    /// <summary>True when the address names no host: it can only be meant from inside its own process.</summary>
    public bool HasLocalScope => Host is null;

    /// <summary>Parses "protocol://system[@host[:port]]"; throws <see cref="FormatException"/> naming the problem.</summary>
    public static Address Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var address, out var error) ? address : throw new FormatException($"[{text}] is not an address: {error}");
    }

    /// <summary>Parses "protocol://system[@host[:port]]", returning false instead of throwing.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Address? address) => TryParse(text, out address, out _);

    internal static bool TryParse(string? text, [NotNullWhen(true)] out Address? address, out string error)
    {
        address = null;
        if (string.IsNullOrEmpty(text)) { error = "it is empty"; return false; }
        int schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0) { error = "it does not start with 'protocol://'"; return false; }
        string protocol = text[..schemeEnd];
        string rest = text[(schemeEnd + 3)..];
        string system;
        string? host = null;
        int? port = null;
        int at = rest.IndexOf('@');
        if (at < 0)
        {
            system = rest;
        }
        else
        {
            system = rest[..at];
            string hostPort = rest[(at + 1)..];
            // An IPv6 host is bracketed, so the port separator is the last ':' after the ']'.
            int colon = hostPort.LastIndexOf(':');
            if (colon >= 0 && colon > hostPort.LastIndexOf(']'))
            {
                if (!int.TryParse(hostPort.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int p))
                { error = $"port [{hostPort[(colon + 1)..]}] is not a number"; return false; }
                port = p;
                host = hostPort[..colon];
            }
            else
            {
                host = hostPort;
            }
        }
        try
        {
            address = new Address(protocol, system, host, port);
            error = "";
            return true;
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>"dpt://system" or "dpt://system@host:port".</summary>
    public override string ToString() => _text;

    public bool Equals(Address? other) => other is not null && string.Equals(_text, other._text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as Address);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_text);

    public static bool operator ==(Address? left, Address? right) => left?.Equals(right) ?? right is null;

    public static bool operator !=(Address? left, Address? right) => !(left == right);
}
