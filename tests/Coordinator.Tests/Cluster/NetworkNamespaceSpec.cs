// Multi-host without more machines: the coordinator and each worker run in network namespaces of their
// own, each with its own IP address, joined by veth pairs and routed through the coordinator's namespace
// (as hosts behind one router). Needs root and iproute2; elsewhere the spec is skipped and says why.
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Dpt.Coordinator.Tests.Cli;

namespace Dpt.Coordinator.Tests.Cluster;

/// <summary>A fact that creates network namespaces: skipped, with the reason, where it cannot.</summary>
public sealed class NetworkNamespaceFactAttribute : FactAttribute
{
    public NetworkNamespaceFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "network namespaces are Linux only";
        else if (!IsRoot()) Skip = "creating network namespaces needs root (run the tests as root to include this multi-host spec)";
        else if (NetworkNamespaces.Ip is null) Skip = "the ip command (iproute2) is not installed";
        else if (NetworkNamespaces.Probe() is { } error) Skip = $"cannot create a network namespace here: {error}";
    }

    private static bool IsRoot()
    {
        // "Uid: real effective saved filesystem"
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[2] == "0";
    }
}

/// <summary>The namespaces of one spec, deleted (with their veth pairs and processes) on Dispose.</summary>
internal sealed class NetworkNamespaces : IDisposable
{
    public static readonly string? Ip = new[] { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" }.FirstOrDefault(File.Exists);

    private readonly string _id = Convert.ToHexString(Guid.NewGuid().ToByteArray())[..6].ToLowerInvariant();
    private readonly List<string> _created = new();
    private readonly List<NamespacedProcess> _processes = new();

    /// <summary>Null when a namespace can be created and deleted, else what ip said.</summary>
    public static string? Probe()
    {
        string name = $"dpt-probe-{Guid.NewGuid().ToString("N")[..6]}";
        var (code, output) = Run(["netns", "add", name]);
        if (code != 0) return output.Trim();
        Run(["netns", "delete", name]);
        return null;
    }

    /// <summary>The coordinator's namespace, made by <see cref="Create"/>.</summary>
    public string Coordinator => $"dpt-c-{_id}";

    public string Worker(int k) => $"dpt-w{k}-{_id}";

    /// <summary>10.77.k.1 in the coordinator's namespace, facing worker k.</summary>
    public static string CoordinatorAddress(int k) => $"10.77.{k}.1";

    /// <summary>Worker k's own address, routed to the others through the coordinator's namespace.</summary>
    public static string WorkerAddress(int k) => $"10.77.{k}.2";

    /// <summary>The coordinator's namespace and <paramref name="workers"/> worker namespaces, each worker's linked
    /// to the coordinator's by a veth pair, its default route through it (IP forwarding on there).</summary>
    public void Create(int workers)
    {
        Add(Coordinator);
        Must(["-n", Coordinator, "link", "set", "lo", "up"]);
        Must(["netns", "exec", Coordinator, "sysctl", "-qw", "net.ipv4.ip_forward=1"]);
        for (int k = 1; k <= workers; k++)
        {
            string worker = Worker(k), near = $"dptc{k}{_id}", far = $"dptw{k}{_id}";
            Add(worker);
            Must(["-n", worker, "link", "set", "lo", "up"]);
            Must(["link", "add", near, "netns", Coordinator, "type", "veth", "peer", "name", far, "netns", worker]);
            Must(["-n", Coordinator, "addr", "add", $"{CoordinatorAddress(k)}/24", "dev", near]);
            Must(["-n", Coordinator, "link", "set", near, "up"]);
            Must(["-n", worker, "addr", "add", $"{WorkerAddress(k)}/24", "dev", far]);
            Must(["-n", worker, "link", "set", far, "up"]);
            Must(["-n", worker, "route", "add", "default", "via", CoordinatorAddress(k)]);
        }
    }

    /// <summary>Starts <c>dotnet DLL args</c> in namespace <paramref name="ns"/>.</summary>
    public NamespacedProcess Start(string ns, string dll, IReadOnlyList<string> args)
    {
        var process = new NamespacedProcess(Ip!, ["netns", "exec", ns, DotnetHost, dll, .. args]);
        _processes.Add(process);
        return process;
    }

    private static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private void Add(string ns)
    {
        Must(["netns", "add", ns]);
        _created.Add(ns);
    }

    private static void Must(string[] args)
    {
        var (code, output) = Run(args);
        if (code != 0) throw new InvalidOperationException($"ip {string.Join(" ", args)} failed ({code}): {output.Trim()}");
    }

    private static (int Code, string Output) Run(string[] args)
    {
        var start = new ProcessStartInfo(Ip!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error);
    }

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
        // Deleting a namespace deletes the veth ends in it, and with them their peers.
        foreach (string ns in Enumerable.Reverse(_created)) Run(["netns", "delete", ns]);
    }
}

/// <summary>A process started through <c>ip netns exec</c>, its output captured.</summary>
internal sealed class NamespacedProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new(), _error = new();

    public NamespacedProcess(string ip, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(ip) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
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
    private readonly NetworkNamespaces _namespaces = new();
    private readonly TempDirectory _temp = new();

    [NetworkNamespaceFact]
    public async Task Workers_in_other_network_namespaces_must_join_by_their_own_addresses_and_train_to_the_end()
    {
        const int workers = 2;
        _namespaces.Create(workers);
        string secret = Path.Combine(_temp.Path, "secret");
        File.WriteAllText(secret, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        string bin = AppContext.BaseDirectory;
        string coordinatorAt = NetworkNamespaces.CoordinatorAddress(1);

        var coordinator = _namespaces.Start(_namespaces.Coordinator, Path.Combine(bin, "dpt.dll"),
        [
            "train", "--listen", "0.0.0.0:4053", "--public-host", coordinatorAt, "--secret-file", secret, "--min-workers", $"{workers}",
            "--dataset", "blobs", "--epochs", "3", "--batch-size", "64", "--layers", "32", "--output", Path.Combine(_temp.Path, "runs"), "--json",
        ]);
        var joined = Enumerable.Range(1, workers).Select(k => _namespaces.Start(_namespaces.Worker(k), Path.Combine(bin, "dpt-worker.dll"),
        [
            "--join", $"{coordinatorAt}:4053", "--listen", $"{NetworkNamespaces.WorkerAddress(k)}:0", "--secret-file", secret,
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
            string address = Regex.Escape(NetworkNamespaces.WorkerAddress(k));
            Assert.Matches(new Regex($@"dpt://dpt@{address}:\d+#-?\d+ joined with roles \[worker\]"), coordinator.Error);
            int? workerExit = await joined[k - 1].WaitForExitAsync(TimeSpan.FromSeconds(20));
            Assert.True(workerExit == 0, $"worker {k} exited with {workerExit?.ToString() ?? "nothing (still running)"}\n{all}");
            Assert.Contains("done: training finished", joined[k - 1].Error);
        }
    }

    public void Dispose()
    {
        _namespaces.Dispose();
        _temp.Dispose();
    }
}
