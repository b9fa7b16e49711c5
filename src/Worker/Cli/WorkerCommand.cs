// dpt-worker's options: the coordinator to join, this node's listening address and name, the secret,
// TLS, where the data comes from, and how many worker actors to run.
using System.CommandLine;
using System.CommandLine.Parsing;
using Dpt.CommandLine;
using Dpt.Hosting;
using Dpt.Training;
using Dpt.Training.Join;
using Dpt.Worker.Cluster;

namespace Dpt.Worker.Cli;

internal static class WorkerCommand
{
    private static readonly Option<string?> Join = CliOptions.OptionalString("--join",
        $"The coordinator to join: HOST[:PORT] as given to its dpt train --listen (required) [default port: {HostPort.DefaultCoordinatorPort}]");
    private static readonly Option<string> Listen = CliOptions.String("--listen", "0.0.0.0:0",
        "Where this node listens (port 0 picks a free one; the coordinator answers over the connection this node opens, so the port need not be reachable)");
    private static readonly Option<string?> PublicHost = CliOptions.OptionalString("--public-host",
        "The host name or address this node goes by in the cluster [default: the --listen host, or this machine's host name for 0.0.0.0]");
    private static readonly Option<string?> SecretFile = CliOptions.OptionalString("--secret-file",
        $"File holding the cluster secret (the coordinator's) [default: the {ClusterSecret.EnvironmentVariable} environment variable]");
    private static readonly Option<string?> TlsCert = CliOptions.OptionalString("--tls-cert",
        "Speak TLS with the cluster's certificate: the same file (PFX, or PEM with --tls-key) as the coordinator's --tls-cert; nodes trust the peers that present it [default: plain TCP]");
    private static readonly Option<string?> TlsKey = CliOptions.OptionalString("--tls-key", "The PEM private key of a PEM --tls-cert [default: none]");
    private static readonly Option<string?> DataDir = CliOptions.OptionalString("--data-dir",
        "A directory holding this machine's own copy of the data set's files, checked against the coordinator's hashes [default: receive them from the coordinator]");
    private static readonly Option<string> CacheDir = CliOptions.String("--cache-dir", DatasetFetcherOptions.DefaultCacheDirectory(),
        "Where data sets received from the coordinator are cached, by content hash");
    private static readonly Option<int> Workers = CliOptions.Int("--workers", 1, "Worker actors in this process, one thread each",
        $"an integer from 1 to {WorkerNodes.MaxWorkersPerNode}");
    private static readonly Option<bool> NoRejoin = CliOptions.Flag("--no-rejoin",
        "Exit when the coordinator removes this node (e.g. after it was unreachable) instead of joining again as a new member");
    private static readonly Option<double> ConnectTimeout = CliOptions.Double("--connect-timeout", 60,
        "Seconds to keep trying to reach the coordinator before giving up", "a number of seconds from 1 to 86400");
    private static readonly Option<int> IdleSpin = CliOptions.Int("--idle-spin-us", (int)WorkerNodeOptions.DefaultIdleSpin.TotalMicroseconds,
        "Microseconds a worker's thread spins for the next parameters after sending its gradients, before it sleeps (it offers its core " +
        "to other threads every 10 µs meanwhile); 0 sleeps at once, which saves CPU time on a shared machine but wakes slower",
        "an integer from 0 to 10000");
    private static readonly Option<string?> Cpus = CliOptions.OptionalString("--cpus",
        "Run this node only on these CPUs, e.g. 1 or 0-3,6 (Linux, as taskset -a): with several workers on one machine, one core each "
        + "keeps a worker's parameters in its own core's cache; dpt bench --cluster gives each of its workers a core this way [default: any CPU]");
    // Hidden from --help: latency emulation for dpt experiment scale --link and the specs, not for a real cluster.
    private static readonly Option<int> SendDelay = CliOptions.Hidden(CliOptions.Int("--send-delay-us", 0,
        "Experiments only: hold every message this node sends for this many microseconds before it goes out (one-way latency)",
        "an integer from 0 to 10000000"));

    public static RootCommand Create()
    {
        var root = new RootCommand("dpt-worker: a worker node of a dpt cluster. It joins the coordinator started with 'dpt train --listen', receives "
                                   + "the run's model and (unless --data-dir is given) its data, and computes gradients until the run ends. "
                                   + "Ctrl-C or SIGTERM leaves the cluster gracefully (the coordinator hands this node's work to the others).");
        foreach (var option in new Option[] { Join, Listen, PublicHost, SecretFile, TlsCert, TlsKey, DataDir, CacheDir, Workers, NoRejoin, ConnectTimeout, IdleSpin, Cpus, SendDelay }
                     .Concat(ClusterCliOptions.All))
            root.Options.Add(option);
        root.SetAction((result, cancellation) => CliProgram.Run(() => RunAsync(result, cancellation)));
        return root;
    }

    private static async Task<int> RunAsync(ParseResult r, CancellationToken cancellation)
    {
        var options = Bind(r);
        if (r.GetValue(Cpus) is { } cpus) Pin(cpus);
        WorkerNode.Outcome outcome;
        string reason;
        try
        {
            (outcome, reason) = await WorkerNode.RunAsync(options, line => Console.Error.WriteLine($"dpt-worker: {line}"), cancellation);
        }
        catch (Exception e) when (e is DatasetMismatchException or DatasetFetchException)
        {
            Console.Error.WriteLine($"dpt-worker: cannot train on the coordinator's data: {e.Message}");
            return CliProgram.Failed;
        }
        switch (outcome)
        {
            case WorkerNode.Outcome.Stopped:
                Console.Error.WriteLine($"dpt-worker: left the cluster ({reason})");
                return CliProgram.Ok;
            case WorkerNode.Outcome.RunEnded:
                Console.Error.WriteLine($"dpt-worker: done: {reason}");
                return CliProgram.Ok;
            default:
                Console.Error.WriteLine($"dpt-worker: {Describe(outcome)}: {reason}");
                return CliProgram.Failed;
        }
    }

    /// <summary>Pins this process to the CPUs of --cpus before the node starts its threads.</summary>
    private static void Pin(string text)
    {
        if (!CpuAffinity.TryParse(text, out var cpus, out string error))
            throw new InvalidOptionException("--cpus", text, $"expected CPU numbers and ranges such as 1 or 0-3,6 ({error})");
        if (!OperatingSystem.IsLinux()) throw new InvalidOptionException("--cpus", text, "pinning to CPUs needs Linux");
        try
        {
            CpuAffinity.PinProcess(cpus);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOptionException("--cpus", text, e.Message);
        }
    }

    private static string Describe(WorkerNode.Outcome outcome) => outcome switch
    {
        WorkerNode.Outcome.Refused => "the coordinator refused this worker",
        WorkerNode.Outcome.Unreachable => "cannot reach the coordinator",
        _ => "removed from the cluster",
    };

    private static WorkerNodeOptions Bind(ParseResult r)
    {
        string join = r.GetValue(Join) ?? throw new InvalidOptionException("--join", "", $"expected the coordinator's HOST[:PORT], e.g. --join 10.0.0.5:{HostPort.DefaultCoordinatorPort}");
        if (!HostPort.TryParse(join, HostPort.DefaultCoordinatorPort, out var coordinator, out string error))
            throw new InvalidOptionException("--join", join, $"expected HOST[:PORT], e.g. 10.0.0.5:{HostPort.DefaultCoordinatorPort} ({error})");
        string listen = r.GetValue(Listen)!;
        if (!HostPort.TryParse(listen, 0, out var at, out error))
            throw new InvalidOptionException("--listen", listen, $"expected HOST[:PORT], e.g. 0.0.0.0:0 ({error})");
        int workers = r.GetValue(Workers);
        if (workers is < 1 or > WorkerNodes.MaxWorkersPerNode)
            throw new InvalidOptionException("--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture), $"expected an integer from 1 to {WorkerNodes.MaxWorkersPerNode}");
        double timeout = r.GetValue(ConnectTimeout);
        if (timeout is < 1 or > 86400 || double.IsNaN(timeout))
            throw new InvalidOptionException("--connect-timeout", timeout.ToString(System.Globalization.CultureInfo.InvariantCulture), "expected a number of seconds from 1 to 86400");
        int delay = r.GetValue(SendDelay);
        if (delay is < 0 or > 10_000_000)
            throw new InvalidOptionException("--send-delay-us", delay.ToString(System.Globalization.CultureInfo.InvariantCulture), "expected an integer from 0 to 10000000");
        int spin = r.GetValue(IdleSpin);
        if (spin is < 0 or > 10_000)
            throw new InvalidOptionException("--idle-spin-us", spin.ToString(System.Globalization.CultureInfo.InvariantCulture), "expected an integer from 0 to 10000");
        if (r.GetValue(DataDir) is { } dir && !Directory.Exists(dir))
            throw new InvalidOptionException("--data-dir", dir, "expected an existing directory holding the data set's files");
        return new WorkerNodeOptions
        {
            Join = coordinator.Value,
            Node = new NodeOptions
            {
                Listen = at.Value,
                PublicHost = r.GetValue(PublicHost),
                Secret = ClusterSecret.Load(r.GetValue(SecretFile)),
                TlsCertificate = r.GetValue(TlsCert),
                TlsKey = r.GetValue(TlsKey),
                Cluster = ClusterCliOptions.Bind(r) with { JoinTimeout = TimeSpan.FromSeconds(timeout) },
                SendDelay = TimeSpan.FromMicroseconds(delay),
                SharedMemoryBytes = ClusterCliOptions.SharedMemoryBytes(r),
                SharedMemoryDirectory = ClusterCliOptions.SharedMemoryDirectory(r),
                LogLevel = r.GetValue(ClusterCliOptions.LogLevel),
            },
            Data = new DatasetFetcherOptions { DataDirectory = r.GetValue(DataDir), CacheDirectory = r.GetValue(CacheDir)! },
            Workers = workers,
            Rejoin = !r.GetValue(NoRejoin),
            ConnectTimeout = TimeSpan.FromSeconds(timeout),
            IdleSpin = TimeSpan.FromMicroseconds(spin),
        };
    }
}
