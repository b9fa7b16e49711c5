// How a node of a cluster takes part in it, whichever its role: where it listens, what it calls itself,
// the secret it proves, TLS, and the membership timings. Both programs build RemoteSettings from it.
using System.Security.Cryptography.X509Certificates;
using Dpt.Cluster;
using Dpt.Remoting;

namespace Dpt.Hosting;

public sealed record NodeOptions
{
    /// <summary>Where the node listens; port 0 picks a free one.</summary>
    public required HostPort Listen { get; init; }

    /// <summary>The host name or address peers know this node by (its address in logs and reports); default:
    /// the listen host, or the machine's host name when that is a wildcard (0.0.0.0, ::).</summary>
    public string? PublicHost { get; init; }

    /// <summary>The cluster secret (at least 16 bytes).</summary>
    public required byte[] Secret { get; init; }

    /// <summary>This node's TLS certificate (PFX, or PEM with <see cref="TlsKey"/>); null for plain TCP. A node
    /// with a certificate also trusts peers that present the same certificate.</summary>
    public string? TlsCertificate { get; init; }

    /// <summary>The PEM private key of <see cref="TlsCertificate"/>, when that is a PEM file.</summary>
    public string? TlsKey { get; init; }

    /// <summary>Heartbeats, failure detection and downing.</summary>
    public ClusterOptions Cluster { get; init; } = ClusterOptions.Default;

    /// <summary>Bytes of the shared-memory ring per connection to a node on this host (see
    /// <see cref="RemoteSettings.SharedMemoryBytes"/>); 0 sends everything over TCP.</summary>
    public long SharedMemoryBytes { get; init; } = new RemoteSettings().SharedMemoryBytes;

    /// <summary>Where the rings are made (see <see cref="RemoteSettings.SharedMemoryDirectory"/>).</summary>
    public string SharedMemoryDirectory { get; init; } = SharedMemoryRing.DefaultDirectory;

    /// <summary>The lowest level of the node's log for every component (--log-level); null for <see cref="NodeLogging"/>'s default.</summary>
    public Microsoft.Extensions.Logging.LogLevel? LogLevel { get; init; }

    /// <summary>Artificial one-way delay per message, for experiments and tests only.</summary>
    public TimeSpan SendDelay { get; init; }

    public string AdvertisedHost => PublicHost
        ?? (Listen.Host is "0.0.0.0" or "::" or "[::]" or "*" ? System.Net.Dns.GetHostName() : Listen.Host);

    public RemoteSettings ToRemoteSettings()
    {
        X509Certificate2? certificate = TlsCertificate is null ? null : RemoteSettings.LoadCertificate(TlsCertificate, keyPemPath: TlsKey);
        return new RemoteSettings
        {
            ListenHost = Listen.Host,
            ListenPort = Listen.Port,
            PublicHostName = AdvertisedHost,
            Secret = Secret,
            UseTls = certificate is not null,
            TlsCertificate = certificate,
            TlsTrustedThumbprints = certificate is null ? [] : [certificate.Thumbprint],
            SendDelay = SendDelay,
            SharedMemoryBytes = SharedMemoryBytes,
            SharedMemoryDirectory = SharedMemoryDirectory,
        };
    }
}
