// A real cluster for one spec: a `dpt train --listen 127.0.0.1:0 --json` coordinator process and the
// dpt-worker processes that join it, sharing a secret file in a temporary directory. Disposing it kills
// every process still running and writes what each printed to the test's output.
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dpt.Coordinator.Tests.Cli;
using Dpt.Model;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Dpt.Coordinator.Tests.Cluster;

internal sealed partial class ClusterProcesses : IDisposable
{
    /// <summary>Long enough for a loaded two-core machine to start a .NET process, train a few hundred small
    /// steps and leave; the runs take seconds.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>Failure detection that decides in about two seconds instead of the default's three to four.</summary>
    public static readonly string[] FastFailureDetection = ["--heartbeat-interval", "100", "--acceptable-pause", "500", "--down-after", "500"];

    /// <summary>
    /// How long <see cref="FastFailureDetection"/> takes at most from a node's last heartbeat to its downing, on a
    /// quiet machine: phi passes 8 about 5.3 standard deviations (the 100 ms floor) past the mean interval (100 ms)
    /// plus the acceptable pause (500 ms), one heartbeat tick (100 ms) notices it, and the node stays unreachable
    /// for --down-after (500 ms) plus another tick.
    /// </summary>
    public static readonly TimeSpan FastDetectionTime = TimeSpan.FromMilliseconds(100 + 500 + 530 + 100 + 500 + 100);

    private readonly ITestOutputHelper _output;
    private readonly List<DptProcess> _workers = new();

    private ClusterProcesses(ITestOutputHelper output, TempDirectory directory, DptProcess coordinator)
    {
        (_output, Directory, Coordinator) = (output, directory, coordinator);
    }

    /// <summary>The secret every legitimate node reads (at least 16 bytes once trimmed).</summary>
    public const string Secret = "correct horse battery staple 4053";

    public TempDirectory Directory { get; }

    public string SecretFile => Directory.File("secret");

    public DptProcess Coordinator { get; }

    /// <summary>The coordinator's port on 127.0.0.1, from its notice "listening at 127.0.0.1:PORT; ...".</summary>
    public int Port { get; private set; }

    /// <summary>The run folder the coordinator writes.</summary>
    public string RunFolder => Directory.File(Path.Combine("runs", "cluster"));

    public IReadOnlyList<DptProcess> Workers => _workers;

    /// <summary>Starts the coordinator with <paramref name="trainOptions"/> (data, model, epochs ...) and waits until it listens.</summary>
    public static async Task<ClusterProcesses> StartAsync(ITestOutputHelper output, params string[] trainOptions)
    {
        var directory = new TempDirectory();
        File.WriteAllText(directory.File("secret"), Secret + "\n");
        string[] args =
        [
            "train", "--listen", "127.0.0.1:0", "--secret-file", directory.File("secret"), "--output", directory.File("runs"), "--name", "cluster", "--json",
            .. trainOptions,
        ];
        var cluster = new ClusterProcesses(output, directory, DptProcess.Start(args));
        try
        {
            var line = await cluster.Coordinator.WaitForStampedLineAsync(l => ListeningAt().IsMatch(l), Timeout, standardError: true);
            cluster.Port = int.Parse(ListeningAt().Match(line.Text).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Starts a dpt-worker that joins this cluster's coordinator with the shared secret, listening on
    /// 127.0.0.1 (so that its address is the same on any machine); <paramref name="options"/> come last.</summary>
    public DptProcess StartWorker(params string[] options) =>
        StartWorker(["--secret-file", SecretFile, .. options], environment: null);

    /// <summary>Starts a dpt-worker that listens at a fixed port of 127.0.0.1, as a worker under systemd with a fixed
    /// --listen does: restarted there, it has the same address and a new incarnation.</summary>
    public DptProcess StartWorkerAt(int port, params string[] options) =>
        StartWorker(["--secret-file", SecretFile, .. options], environment: null, port);

    /// <summary>A TCP port of 127.0.0.1 that was free a moment ago.</summary>
    public static int FreePort()
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>Starts a dpt-worker with exactly these options besides --join and --listen (127.0.0.1, at <paramref name="port"/>; 0 picks one).</summary>
    public DptProcess StartWorker(string[] options, IReadOnlyDictionary<string, string?>? environment, int port = 0)
    {
        var worker = DptProcess.StartWorker(["--join", $"127.0.0.1:{Port}", "--listen", $"127.0.0.1:{port}", .. options], environment);
        _workers.Add(worker);
        return worker;
    }

    /// <summary>Waits for the coordinator to end and fails unless it exited with 0.</summary>
    public async Task<DptResult> CompletesAsync()
    {
        var result = await Coordinator.WaitForExitAsync(Timeout);
        Assert.True(result.ExitCode == 0, $"the coordinator failed\n{result}");
        return result;
    }

    /// <summary>The coordinator's epoch lines (--json) so far, parsed.</summary>
    public JsonElement[] EpochLines() =>
        Coordinator.LinesSoFar.Where(l => !l.StandardError).Select(l => JsonDocument.Parse(l.Text).RootElement).ToArray();

    /// <summary>The final parameters in the run folder's model.dpt.</summary>
    public float[] FinalParameters() => ModelFile.Load(Path.Combine(RunFolder, "model.dpt")).Parameters;

    /// <summary>The coordinator's log lines so far (standard error).</summary>
    public string[] CoordinatorLog() => Coordinator.LinesSoFar.Where(l => l.StandardError).Select(l => l.Text).ToArray();

    /// <summary>Milliseconds from <paramref name="from"/> to <paramref name="to"/> (both <see cref="Stopwatch.GetTimestamp"/>).</summary>
    public static double Milliseconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    /// <summary>
    /// max |a - b| / max |a|: the largest difference relative to the largest parameter. Per-element relative
    /// differences would blow up on parameters that happen to be near zero; this scale is the network's.
    /// </summary>
    public static double RelativeDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double scale = a.Max(x => Math.Abs((double)x));
        double worst = a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
        return worst / scale;
    }

    /// <summary>Runs local mode (`dpt train --workers N`) with <paramref name="trainOptions"/> into
    /// <paramref name="directory"/>/local and returns its final parameters.</summary>
    public static async Task<float[]> LocalParametersAsync(TempDirectory directory, int workers, params string[] trainOptions)
    {
        var result = await DptProcess.RunAsync(
            ["train", "--workers", $"{workers}", "--output", directory.Path, "--name", "local", "--json", .. trainOptions], Timeout);
        if (result.ExitCode != 0) throw new XunitException($"the local-mode reference run failed\n{result}");
        return ModelFile.Load(directory.File(Path.Combine("local", "model.dpt"))).Parameters;
    }

    public void Dispose()
    {
        foreach (var (name, process) in _workers.Select((w, i) => ($"worker {i + 1}", w)).Prepend(("coordinator", Coordinator)))
        {
            var result = process.Kill();
            _output.WriteLine($"=== {name}: {result}");
            process.Dispose();
        }
        Directory.Dispose();
    }

    [GeneratedRegex(@"listening at 127\.0\.0\.1:(\d+);")]
    private static partial Regex ListeningAt();
}
