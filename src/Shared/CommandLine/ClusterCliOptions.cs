// The failure-detection options both programs take (dpt train --listen and dpt-worker), in milliseconds
// on the command line, checked by ClusterOptions' validator and reported under their option names.
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Dpt.Cluster;
using Dpt.Training;

namespace Dpt.CommandLine;

public static class ClusterCliOptions
{
    private static readonly ClusterOptions Defaults = ClusterOptions.Default;

    public static readonly Option<double> HeartbeatInterval = CliOptions.Double("--heartbeat-interval", Defaults.HeartbeatInterval.TotalMilliseconds,
        "Cluster: milliseconds between heartbeats, each way between the coordinator and each worker node", "milliseconds from 1 to 60000");

    public static readonly Option<double> FailureThreshold = CliOptions.Double("--failure-threshold", Defaults.FailureDetectorThreshold,
        "Cluster: phi above which a silent node is unreachable (phi accrual failure detector; higher is more patient)", "a number from 1 to 100");

    public static readonly Option<double> AcceptablePause = CliOptions.Double("--acceptable-pause", Defaults.AcceptableHeartbeatPause.TotalMilliseconds,
        "Cluster: milliseconds of heartbeat silence (GC, a busy core) that raise little suspicion", "milliseconds from 0 to 3600000");

    public static readonly Option<double> DownAfter = CliOptions.Double("--down-after", Defaults.AutoDownUnreachableAfter.TotalMilliseconds,
        "Cluster: milliseconds an unreachable worker node may stay so before the coordinator downs it and hands its work to the others",
        "milliseconds from 0 to 3600000");

    public static readonly Option<int> SharedMemory = CliOptions.Int("--shared-memory-mib", (int)(new Remoting.RemoteSettings().SharedMemoryBytes >> 20),
        "Cluster: MiB of the shared-memory ring (in /dev/shm) through which this node sends tensors to a node on the same host, reached at a " +
        "loopback address, instead of through loopback TCP; 0 sends everything over TCP. Never used with TLS", "an integer from 0 to 1024");

    public static readonly Option<string> SharedMemoryDir = CliOptions.String("--shared-memory-dir", Remoting.SharedMemoryRing.DefaultDirectory,
        "Cluster: directory (a tmpfs) for the shared-memory rings; a ring that cannot be made there (missing, not writable, full) " +
        "means TCP for that connection. Nodes on one host must use the same one");

    public static readonly Option<Microsoft.Extensions.Logging.LogLevel?> LogLevel = CliOptions.OptionalEnum<Microsoft.Extensions.Logging.LogLevel>("--log-level",
        "Cluster: the lowest level this node logs on standard error, for every component (debug shows each actor's and " +
        "connection's story) [default: information for the cluster's and the transport's news, warning for the rest]");

    public static IEnumerable<Option> All => [HeartbeatInterval, FailureThreshold, AcceptablePause, DownAfter, SharedMemory, SharedMemoryDir, LogLevel];

    /// <summary>--shared-memory-dir, checked.</summary>
    public static string SharedMemoryDirectory(ParseResult r)
    {
        string directory = r.GetValue(SharedMemoryDir)!;
        if (!Remoting.RemoteSettings.IsRingDirectory(directory))
            throw new InvalidOptionException(SharedMemoryDir.Name, directory, $"expected {Remoting.RemoteSettings.RingDirectoryAccepted}");
        return directory;
    }

    /// <summary>--shared-memory-mib in bytes (0: off).</summary>
    public static long SharedMemoryBytes(ParseResult r)
    {
        int mib = r.GetValue(SharedMemory);
        if (mib is < 0 or > 1024)
            throw new InvalidOptionException(SharedMemory.Name, mib.ToString(CultureInfo.InvariantCulture), $"expected {CliOptions.Accepted(SharedMemory)}");
        return (long)mib << 20;
    }

    /// <summary>The options given; a value out of range is an <see cref="InvalidOptionException"/> naming the option.</summary>
    public static ClusterOptions Bind(ParseResult r)
    {
        var options = Defaults with
        {
            HeartbeatInterval = Ms(r, HeartbeatInterval, 1, 60_000),
            FailureDetectorThreshold = Check(r, FailureThreshold, 1, 100),
            AcceptableHeartbeatPause = Ms(r, AcceptablePause, 0, 3_600_000),
            AutoDownUnreachableAfter = Ms(r, DownAfter, 0, 3_600_000),
        };
        options.Validate();
        return options;
    }

    /// <summary>True when any of these options was given on the command line.</summary>
    public static Option? FirstGiven(ParseResult r) => All.FirstOrDefault(o => r.GetResult(o) is { Implicit: false });

    private static TimeSpan Ms(ParseResult r, Option<double> option, double min, double max) => TimeSpan.FromMilliseconds(Check(r, option, min, max));

    private static double Check(ParseResult r, Option<double> option, double min, double max)
    {
        double value = r.GetValue(option);
        if (!(value >= min && value <= max))
            throw new InvalidOptionException(option.Name, value.ToString(CultureInfo.InvariantCulture), $"expected {CliOptions.Accepted(option)}");
        return value;
    }
}
