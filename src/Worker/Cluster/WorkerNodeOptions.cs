// What a dpt-worker process is told on its command line: where the coordinator is, how to prove it
// belongs to the cluster, where its data comes from. Everything about the model and the training comes
// from the coordinator at join, so a worker cannot train a different model than the one it serves.
using Dpt.Hosting;

namespace Dpt.Worker.Cluster;

public sealed record WorkerNodeOptions
{
    /// <summary>The coordinator's --listen address (its host as reachable from this machine).</summary>
    public required HostPort Join { get; init; }

    /// <summary>Where this node listens for the cluster; port 0 picks a free one. Default 0.0.0.0:0: the
    /// coordinator answers over the connection the worker opens, so the port need not be reachable.</summary>
    public HostPort Listen { get; init; } = new("0.0.0.0", 0);

    /// <summary>The host name this node calls itself in the cluster (its address in logs and reports);
    /// default: the machine's host name.</summary>
    public string? PublicHost { get; init; }

    /// <summary>The cluster secret (from --secret-file or DPT_CLUSTER_SECRET).</summary>
    public required byte[] Secret { get; init; }

    /// <summary>Accept only a coordinator whose TLS certificate is this file's (PEM or DER), and speak TLS; null for plain TCP.</summary>
    public string? TlsCertificate { get; init; }

    /// <summary>A directory holding this worker's own copy of the data set's files, checked against the
    /// coordinator's hashes; null to receive the files from the coordinator (cached in <see cref="CacheDirectory"/>).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Where received data sets are cached, by content hash. Default $XDG_CACHE_HOME/dpt or ~/.cache/dpt.</summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory();

    /// <summary>Worker actors in this process, one thread each. Default 1.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Join again as a new member after being removed from the cluster (e.g. after a pause the
    /// coordinator took for a failure); otherwise exit. Default true.</summary>
    public bool Rejoin { get; init; } = true;

    public static string DefaultCacheDirectory()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "dpt");
    }
}
