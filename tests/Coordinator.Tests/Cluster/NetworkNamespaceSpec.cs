// Multi-host without more machines: the coordinator and each worker run in network namespaces of their
// own, each with its own IP address, joined by veth pairs and routed through the coordinator's namespace
// (as hosts behind one router). Needs root and iproute2; elsewhere the spec is skipped and says why.
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Dpt.Coordinator.Experiments;
using Dpt.Coordinator.Tests.Cli;

namespace Dpt.Coordinator.Tests.Cluster;

/// <summary>A fact that creates network namespaces: skipped, with the reason, where it cannot.</summary>
public sealed class NetworkNamespaceFactAttribute : FactAttribute
{
    // Asked once per test run: the answer makes and deletes a namespace.
    private static readonly Lazy<string?> Why = new(NetworkNamespaces.Unavailable);

    public NetworkNamespaceFactAttribute()
    {
        if (Why.Value is { } why) Skip = $"{why} (run the tests as root on Linux to include the network-namespace specs)";
    }
}

/// <summary>A process started through <c>ip netns exec</c>, its output captured.</summary>
internal sealed class NamespacedProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new(), _error = new();

    public NamespacedProcess(IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(args[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args.Skip(1)) start.ArgumentList.Add(a);
        Command = string.Join(" ", args);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_error) _error.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Command { get; }

    public string Output { get { lock (_output) return _output.ToString(); } }

    public string Error { get { lock (_error) return _error.ToString(); } }

    /// <summary>The exit code, or null if it still ran after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        _process.WaitForExit(); // the rest of its output
        return _process.ExitCode;
    }

    public override string ToString() => $"{Command}\n--- standard output ---\n{Output}\n--- standard error ---\n{Error}";

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
        _process.Dispose();
    }
}

[Collection(DptProcesses.Name)]
public sealed class NetworkNamespaceSpec : IDisposable
{
    private readonly List<NamespacedProcess> _processes = new();
    private readonly TempDirectory _temp = new();
    private NetworkNamespaces? _namespaces;

    [NetworkNamespaceFact]
    public async Task Workers_in_other_network_namespaces_must_join_by_their_own_addresses_and_train_to_the_end()
    {
        const int workers = 2;
        var namespaces = _namespaces = NetworkNamespaces.Create(workers, ownHub: true);
        string secret = Path.Combine(_temp.Path, "secret");
        File.WriteAllText(secret, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        string bin = AppContext.BaseDirectory;
        string coordinatorAt = namespaces.HubAddress(1);

        var coordinator = Start(namespaces.Hub!, Path.Combine(bin, "dpt.dll"),
        [
            "train", "--listen", "0.0.0.0:4053", "--public-host", coordinatorAt, "--secret-file", secret, "--min-workers", $"{workers}",
            "--dataset", "blobs", "--epochs", "3", "--batch-size", "64", "--layers", "32", "--output", Path.Combine(_temp.Path, "runs"), "--json",
        ]);
        var joined = Enumerable.Range(1, workers).Select(k => Start(namespaces.Worker(k), Path.Combine(bin, "dpt-worker.dll"),
        [
            "--join", $"{coordinatorAt}:4053", "--listen", $"{namespaces.WorkerAddress(k)}:0", "--secret-file", secret,
            "--cache-dir", Path.Combine(_temp.Path, $"cache-{k}"), "--connect-timeout", "60",
        ])).ToList();

        int? exit = await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(90));
        string all = string.Join("\n\n", [coordinator.ToString(), .. joined.Select(w => w.ToString())]);
        Assert.True(exit == 0, $"the coordinator {(exit is null ? "did not finish within 90 s" : $"exited with {exit}")}\n{all}");
        var epochs = coordinator.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, epochs.Length);
        Assert.Contains("\"workers\":2", epochs[^1]);
        for (int k = 1; k <= workers; k++)
        {
            // The coordinator saw worker k join from its namespace's address.
            string address = Regex.Escape(namespaces.WorkerAddress(k));
            Assert.Matches(new Regex($@"dpt://dpt@{address}:\d+#-?\d+ joined with roles \[worker\]"), coordinator.Error);
            int? workerExit = await joined[k - 1].WaitForExitAsync(TimeSpan.FromSeconds(20));
            Assert.True(workerExit == 0, $"worker {k} exited with {workerExit?.ToString() ?? "nothing (still running)"}\n{all}");
            Assert.Contains("done: training finished", joined[k - 1].Error);
        }
    }

    [NetworkNamespaceFact]
    public void Namespaces_must_be_shaped_as_asked_and_gone_after_dispose_with_their_links_and_those_of_a_killed_run()
    {
        // A namespace as a killed run would leave it: its process (pid 999999999 exceeds any pid_max) is gone.
        const string stale = "dpt-999999999-abcd-w1";
        Assert.Equal(0, Ip(["netns", "add", stale]).Code);
        var namespaces = _namespaces = NetworkNamespaces.Create(2, bitsPerSecond: 100e6);

        Assert.Contains(stale, namespaces.Stale);
        Assert.Null(namespaces.Hub);
        var listed = Ip(["netns", "list"]).Output;
        Assert.DoesNotContain(stale, listed);
        Assert.All(namespaces.Names, name => Assert.Contains(name, listed));
        Assert.Equal([namespaces.Worker(1), namespaces.Worker(2)], namespaces.Names);
        // Worker 2 reaches the hub's address facing worker 1: the coordinator listens at one address for all.
        Assert.Equal(0, Ip(["-n", namespaces.Worker(2), "route", "get", namespaces.HubAddress(1)]).Code);
        string qdisc = Run(NetworkNamespaces.Tc!, ["-n", namespaces.Worker(1), "qdisc", "show"]).Output;
        Assert.Contains("tbf", qdisc);
        Assert.Contains("rate 100Mbit", qdisc);
        string links = Ip(["-o", "link", "show"]).Output;
        string id = namespaces.Worker(1)[^7..^3]; // the run's four hex digits in dpt-PID-ID-w1
        Assert.Contains($"dpt{id}h1", links);
        Assert.Contains("rate 100Mbit", Run(NetworkNamespaces.Tc!, ["qdisc", "show", "dev", $"dpt{id}h1"]).Output);

        namespaces.Dispose();

        listed = Ip(["netns", "list"]).Output;
        Assert.All(namespaces.Names, name => Assert.DoesNotContain(name, listed));
        Assert.DoesNotContain($"dpt{id}h", Ip(["-o", "link", "show"]).Output);
    }

    [Fact]
    public void Unavailable_must_say_why_namespaces_cannot_be_made()
    {
        Assert.Equal("network namespaces are Linux only", NetworkNamespaces.Unavailable(linux: false, 0, "/sbin/ip", () => null));
        Assert.Equal("creating network namespaces needs root, and this process runs as uid 1000",
            NetworkNamespaces.Unavailable(linux: true, 1000, "/sbin/ip", () => null));
        Assert.Equal("the ip command (iproute2) is not installed", NetworkNamespaces.Unavailable(linux: true, 0, null, () => null));
        Assert.Equal("ip netns add failed: mount --make-shared /run/netns failed: Operation not permitted",
            NetworkNamespaces.Unavailable(linux: true, 0, "/sbin/ip", () => "mount --make-shared /run/netns failed: Operation not permitted"));
        Assert.Null(NetworkNamespaces.Unavailable(linux: true, 0, "/sbin/ip", () => null));
    }

    private static (int Code, string Output) Ip(string[] args) => Run(NetworkNamespaces.Ip!, args);

    private static (int Code, string Output) Run(string program, string[] args) => NetworkNamespaces.Run(program, args);

    /// <summary>Starts <c>dotnet DLL args</c> in namespace <paramref name="ns"/>.</summary>
    private NamespacedProcess Start(string ns, string dll, IReadOnlyList<string> args)
    {
        var process = new NamespacedProcess([.. _namespaces!.Exec(ns), DotnetHost, dll, .. args]);
        _processes.Add(process);
        return process;
    }

    private static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
        _namespaces?.Dispose();
        _temp.Dispose();
    }
}
