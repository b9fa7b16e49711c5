// Where --dashboard serves: PORT (on 127.0.0.1) or HOST:PORT, port 0 for a free one. The host is this machine's
// loopback unless the user names another address; "localhost" is 127.0.0.1, and 0.0.0.0 or [::] every interface.
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dpt.Hosting;
using Dpt.Training;

namespace Dpt.Coordinator.Dashboard;

internal sealed record DashboardOptions(string Text, string Host, int Port)
{
    public const string Option = "--dashboard";

    public const string Accepted = "expected PORT or HOST:PORT, e.g. 8080 or 127.0.0.1:8080 (port 0 picks a free one; without a host, 127.0.0.1)";

    /// <summary>Parses the option's value; throws the one-line option error for a bad one.</summary>
    public static DashboardOptions Parse(string text)
    {
        string trimmed = text.Trim();
        if (trimmed.Length > 0 && trimmed.All(char.IsAsciiDigit))
        {
            if (!int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
                throw new InvalidOptionException(Option, text, $"{Accepted}: port '{trimmed}' is not a number from 0 to 65535");
            return new DashboardOptions(text, IPAddress.Loopback.ToString(), port);
        }
        if (!HostPort.TryParse(trimmed, null, out var at, out string error))
            throw new InvalidOptionException(Option, text, $"{Accepted}: {error}");
        return new DashboardOptions(text, at.Value.Host, at.Value.Port);
    }

    /// <summary>True when the host is a wildcard: the dashboard answers on every interface.</summary>
    public bool EveryInterface => Host is "0.0.0.0" or "::" or "*";

    /// <summary>The address to bind: the host's own if it is one, the loopback for localhost, else the host name's first address.</summary>
    public IPAddress Address()
    {
        if (Host is "localhost") return IPAddress.Loopback;
        if (Host is "*") return IPAddress.Any;
        if (IPAddress.TryParse(Host, out var ip)) return ip;
        try
        {
            var addresses = Dns.GetHostAddresses(Host);
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                ?? throw new InvalidOptionException(Option, Text, $"{Accepted}: host '{Host}' has no address");
        }
        catch (SocketException e)
        {
            throw new InvalidOptionException(Option, Text, $"{Accepted}: host '{Host}' does not resolve ({e.Message})");
        }
    }
}
