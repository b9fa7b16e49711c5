// "HOST:PORT" as the command lines take it (--listen, --join): a host name, an IPv4 address or a
// bracketed IPv6 address, and a port. Parsing names what is wrong, for the one-line option errors.
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Dpt.Hosting;

public readonly record struct HostPort(string Host, int Port)
{
    /// <summary>The port a coordinator listens on when --listen gives none.</summary>
    public const int DefaultCoordinatorPort = 4053;

    /// <summary>Parses "host:port", "[::1]:port" or, with <paramref name="defaultPort"/>, a bare host.</summary>
    public static bool TryParse(string? text, int? defaultPort, [NotNullWhen(true)] out HostPort? value, out string error)
    {
        value = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text)) { error = "it is empty"; return false; }
        string host;
        string? port = null;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']');
            if (close < 0) { error = "the IPv6 address has no closing ']'"; return false; }
            host = text[1..close];
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':') { error = "expected ':' after the IPv6 address"; return false; }
                port = text[(close + 2)..];
            }
        }
        else
        {
            int colon = text.LastIndexOf(':');
            if (colon >= 0 && text.IndexOf(':') != colon) { error = "an IPv6 address must be in brackets, e.g. [::1]:4053"; return false; }
            host = colon < 0 ? text : text[..colon];
            port = colon < 0 ? null : text[(colon + 1)..];
        }
        if (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || c is '/' or '@' or '#')) { error = $"'{host}' is not a host name or address"; return false; }
        int p;
        if (port is null)
        {
            if (defaultPort is null) { error = "the port is missing"; return false; }
            p = defaultPort.Value;
        }
        else if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out p) || p > 65535)
        {
            error = $"port '{port}' is not a number from 0 to 65535";
            return false;
        }
        value = new HostPort(host, p);
        error = "";
        return true;
    }

    /// <summary>"host:port", with IPv6 hosts in brackets.</summary>
    public override string ToString() => (Host.Contains(':') ? $"[{Host}]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);
}
