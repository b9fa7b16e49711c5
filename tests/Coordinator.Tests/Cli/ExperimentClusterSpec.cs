// `dpt experiment scale --mode cluster` run as a real process, kept small: its report comes from real dpt-worker
// processes, and with --link (as root) those run in network namespaces that are gone when it ends, however it ends.
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dpt.Coordinator.Experiments;
using Dpt.Coordinator.Tests.Cluster;

namespace Dpt.Coordinator.Tests.Cli;

[Collection(DptProcesses.Name)]
public sealed partial class ExperimentClusterSpec : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string[] Scale(string name, params string[] options) =>
        ["experiment", "scale", "--mode", "cluster", "--dataset", "blobs", "--samples", "2000", "--output", _dir.File(name), .. options];

    [Fact]
    public async Task Cluster_mode_must_report_each_worker_count_measured_with_worker_processes()
    {
        var result = await DptProcess.RunAsync(Scale("scale", "--workers", "1,2", "--steps", "40"), DptProcess.DefaultTimeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = Report("scale");
        var runs = report.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal([1, 2], runs.Select(r => r.GetProperty("workers").GetInt32()));
        foreach (var run in runs)
        {
            Assert.Equal("cluster", run.GetProperty("design").GetString());
            foreach (string measure in new[] { "samples_per_s", "compute_ms", "communication_ms", "optimizer_ms" })
                Assert.True(run.GetProperty(measure).GetDouble() > 0, $"{measure} is {run.GetProperty(measure)}\n{result}");
            Assert.InRange(run.GetProperty("final_accuracy").GetDouble(), 0, 1);
        }
        var settings = report.GetProperty("settings");
        Assert.StartsWith("cluster: every worker a dpt-worker process", settings.GetProperty("mode").GetString());
        Assert.Equal("none: loopback (127.0.0.1)", settings.GetProperty("link").GetString());
        // Cluster mode's default of 4, or fewer where the model has fewer places to cut (this one has 3), whatever the workers.
        Assert.Matches(@"^([1-4]),\1$", settings.GetProperty("parameter-server shards").GetString());
        Assert.StartsWith("Cluster training of ", report.GetProperty("title").GetString());
        Assert.True(File.Exists(_dir.File("scale/report.html")));
        Assert.StartsWith("cluster,2,128,", File.ReadAllLines(_dir.File("scale/results.csv"))[2]);
        Assert.Contains(result.ErrorLines, l => l.StartsWith("configuration 2/2: 2 workers, batch 128, step 40/40"));
    }

    [NetworkNamespaceFact]
    public async Task Link_must_run_the_workers_in_network_namespaces_add_its_delay_to_communication_and_delete_them()
    {
        // Both runs in namespaces behind links too fast to matter (10gbit): they differ by the delay alone.
        var fast = await RunLinkedAsync("fast", "rate=10gbit");
        var delayed = await RunLinkedAsync("delayed", "rate=10gbit,delay=2ms");

        // A step crosses the link at least twice one way or the other: the new parameters and the next shard out, the gradient back.
        double added = delayed.CommunicationMs - fast.CommunicationMs;
        Assert.True(added >= 2.0, $"communication per step {fast.CommunicationMs:F3} ms without the delay, {delayed.CommunicationMs:F3} ms with 2 ms each way");
        Assert.StartsWith("rate=10gbit,delay=2ms: a network namespace and veth pair per worker process, both ends shaped to 10gbit", delayed.Link);
        Assert.StartsWith("cluster: every worker a dpt-worker process on this machine in a network namespace of its own", delayed.Mode);
    }

    [NetworkNamespaceFact]
    public async Task Interrupted_by_SIGTERM_a_linked_experiment_must_exit_130_and_delete_its_namespaces()
    {
        using var dpt = DptProcess.Start(Scale("stopped", "--workers", "2", "--steps", "1000000", "--link", "delay=1ms"));
        var names = await NamespacesAsync(dpt);
        await WorkerRunsInAsync(names[1], dpt);
        await Task.Delay(2000); // into the steps, on a machine that is not too busy

        dpt.Send(DptProcess.Signal.Terminate);
        var result = await dpt.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Matches(@"^dpt: experiment interrupted (at 2 workers, step \d+|while waiting for the worker processes)$", result.ErrorLines[^1]);
        AssertDeleted(names, result);
    }

    [NetworkNamespaceFact]
    public async Task A_worker_process_that_dies_must_fail_a_linked_experiment_with_exit_code_1_and_its_namespaces_be_deleted()
    {
        using var dpt = DptProcess.Start(Scale("failed", "--workers", "2", "--steps", "1000000", "--link", "delay=1ms"));
        var names = await NamespacesAsync(dpt);
        int pid = await WorkerRunsInAsync(names[1], dpt);
        await Task.Delay(1000);

        using (var worker = Process.GetProcessById(pid)) worker.Kill();
        var result = await dpt.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(result.ErrorLines, l => l.StartsWith($"dpt: training failed: a worker process exited before the experiment ended: dpt-worker (pid {pid})"));
        AssertDeleted(names, result);
    }

    private sealed record Linked(double CommunicationMs, string Link, string Mode);

    /// <summary>One worker for 100 steps over <paramref name="link"/>: checks that the worker ran in its namespace and
    /// that the namespaces are gone afterwards; returns the run's mean communication per step.</summary>
    private async Task<Linked> RunLinkedAsync(string name, string link)
    {
        using var dpt = DptProcess.Start(Scale(name, "--workers", "1", "--steps", "100", "--link", link));
        var names = await NamespacesAsync(dpt);
        Assert.Single(names);
        // The worker process runs in it (until the run ends); a process outside would have reached this namespace's address too.
        bool seen = false;
        while (!dpt.HasExited && !(seen = NamespacePids(names[0]).Length > 0)) await Task.Delay(20);
        var result = await dpt.WaitForExitAsync(DptProcess.DefaultTimeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(seen, $"no process ran in {names[0]}\n{result}");
        AssertDeleted(names, result);
        var report = Report(name);
        var settings = report.GetProperty("settings");
        return new Linked(report.GetProperty("runs")[0].GetProperty("communication_ms").GetDouble(),
            settings.GetProperty("link").GetString()!, settings.GetProperty("mode").GetString()!);
    }

    /// <summary>The run's namespaces, from its line "link: ...: worker processes in network namespaces A, B, each linked ...".</summary>
    private static async Task<string[]> NamespacesAsync(DptProcess dpt)
    {
        var line = await dpt.WaitForStampedLineAsync(l => NamespaceList().IsMatch(l), TimeSpan.FromSeconds(30), standardError: true);
        return NamespaceList().Match(line.Text).Groups[1].Value.Split(", ");
    }

    /// <summary>The pid of the process in namespace <paramref name="name"/>, once there is one; fails if dpt ends first.</summary>
    private static async Task<int> WorkerRunsInAsync(string name, DptProcess dpt)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (NamespacePids(name) is [int pid, ..]) return pid;
            if (dpt.HasExited || watch.Elapsed > TimeSpan.FromSeconds(30))
                throw new Xunit.Sdk.XunitException($"no process ran in {name}\n{dpt.Snapshot()}");
            await Task.Delay(20);
        }
    }

    private static void AssertDeleted(string[] names, DptResult result)
    {
        string listed = Ip("netns", "list");
        Assert.True(names.All(n => !listed.Contains(n, StringComparison.Ordinal)), $"namespaces left behind:\n{listed}\n{result}");
        string id = names[0][^7..^3]; // the four hex digits of dpt-PID-ID-w1, which the veth names carry
        Assert.DoesNotContain($"dpt{id}h", Ip("-o", "link", "show"));
    }

    private static int[] NamespacePids(string name) =>
        Ip("netns", "pids", name).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.TryParse(p, out int pid) ? pid : 0).Where(p => p > 0).ToArray();

    private static string Ip(params string[] args) => NetworkNamespaces.Run(NetworkNamespaces.Ip!, args).Output;

    private JsonElement Report(string name) => JsonDocument.Parse(File.ReadAllText(_dir.File(Path.Combine(name, "results.json")))).RootElement;

    [GeneratedRegex(@"^link: .*worker processes in network namespaces (dpt-[\w-]+(?:, dpt-[\w-]+)*), each linked")]
    private static partial Regex NamespaceList();

    public void Dispose() => _dir.Dispose();
}
