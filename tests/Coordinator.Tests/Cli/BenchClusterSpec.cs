// `dpt bench --cluster` run as a real process, kept tiny: it starts its dpt-worker processes, reports
// the step split of cluster mode in --json, and leaves no worker process behind, also when interrupted.
using System.Diagnostics;
using System.Text.Json;

namespace Dpt.Coordinator.Tests.Cli;

[Collection(DptProcesses.Name)]
public sealed class BenchClusterSpec
{
    private static readonly string[] Tiny = ["bench", "--cluster", "--workers", "1", "--warmup", "5", "--steps", "10", "--windows", "2"];

    [Fact]
    public async Task Cluster_json_must_report_the_step_split_and_leave_no_worker_process_behind()
    {
        // Enough steps for the coordinator's step reports (every 100 ms) to come in more than one batch: the CPU is read
        // at the first report after the warm-up and at the last.
        using var dpt = DptProcess.Start(["bench", "--cluster", "--workers", "1", "--warmup", "5", "--steps", "150", "--windows", "2", "--pin-workers", "--json"]);
        var workers = await WorkerProcessesOf(dpt.Id, expected: 1, TimeSpan.FromSeconds(30));
        var result = await dpt.WaitForExitAsync(DptProcess.DefaultTimeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonDocument.Parse(Assert.Single(result.OutputLines)).RootElement;
        Assert.Equal("cluster", json.GetProperty("mode").GetString());
        Assert.Equal(1, json.GetProperty("workers").GetInt32());
        Assert.Equal(128, json.GetProperty("batch").GetInt32());
        foreach (string measure in new[] { "samples_per_s", "step_ms", "compute_ms", "optimizer_ms" })
            Assert.True(json.GetProperty(measure).GetDouble() > 0, $"{measure} is {json.GetProperty(measure)}\n{result}");
        Assert.True(json.GetProperty("communication_ms").GetDouble() >= 0, result.ToString());
        Assert.Equal(0, json.GetProperty("straggler_ms").GetDouble()); // one worker waits for nobody
        // Medians of different steps do not add up exactly, but no part can exceed the step.
        double step = json.GetProperty("step_ms").GetDouble();
        foreach (string part in new[] { "compute_ms", "optimizer_ms", "communication_ms" })
            Assert.True(json.GetProperty(part).GetDouble() <= step, $"{part} is more than the step\n{result}");
        // 784-256-128-10: 235,146 float32 parameters, each way per worker per step.
        Assert.Equal(235_146 * 4, json.GetProperty("tensor_bytes_per_worker_each_way").GetInt64());
        Assert.Equal(2, json.GetProperty("window_samples_per_s").GetArrayLength());
        // A shard per core the one worker process leaves free, from 1 to 4.
        Assert.Equal(Math.Clamp(Environment.ProcessorCount - 1, 1, 4), json.GetProperty("ps_shards").GetInt32());
        Assert.Equal(OperatingSystem.IsLinux(), json.GetProperty("pinned_workers").GetBoolean()); // --pin-workers: one worker, a CPU of its own
        double worker = json.GetProperty("worker_cpu_ms_per_step").GetDouble();
        Assert.True(json.GetProperty("coordinator_cpu_ms_per_step").GetDouble() > 0, result.ToString());
        Assert.True(worker > 0, result.ToString());
        if (OperatingSystem.IsLinux())
            Assert.InRange(json.GetProperty("worker_actor_threads_cpu_ms_per_step").GetDouble(), double.Epsilon, worker);
        Assert.InRange(json.GetProperty("core_share").GetDouble(), double.Epsilon, 1.05);
        Assert.Empty(result.ErrorLines);
        await AssertGoneAsync(workers, result);
    }

    [SignalFact]
    public async Task Ctrl_C_must_stop_the_cluster_benchmark_with_exit_code_130_and_its_worker_processes()
    {
        // Without --warmup: cluster mode's default warm-up (800 steps, for the new processes' compiler) shows in the total.
        using var dpt = DptProcess.Start(["bench", "--cluster", "--workers", "1", "--steps", "100000", "--windows", "2"]);
        var workers = await WorkerProcessesOf(dpt.Id, expected: 1, TimeSpan.FromSeconds(30));
        await dpt.WaitForLineAsync(l => l.EndsWith(" steps", StringComparison.Ordinal), TimeSpan.FromSeconds(30), standardError: true);

        dpt.Interrupt();
        var result = await dpt.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Matches(@"^dpt: benchmark interrupted after \d+ of 200800 steps$", result.ErrorLines[^1]);
        await AssertGoneAsync(workers, result);
    }

    [Fact]
    public async Task Cluster_must_refuse_a_batch_smaller_than_the_worker_processes()
    {
        DptAssert.UsageError(await DptProcess.RunAsync(["bench", "--cluster", "--workers", "4", "--batch", "2"]), "--batch", "'2'", "from the largest --workers (4)");
    }

    /// <summary>The dpt-worker children of <paramref name="parent"/>, once <paramref name="expected"/> of them run (Linux: /proc).</summary>
    private static async Task<int[]> WorkerProcessesOf(int parent, int expected, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var children = Directory.EnumerateDirectories("/proc")
                .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
                .Where(pid => pid > 0 && ParentOf(pid) == parent && CommandLine(pid).Contains("dpt-worker", StringComparison.Ordinal))
                .ToArray();
            if (children.Length >= expected) return children;
            if (watch.Elapsed > timeout) throw new TimeoutException($"dpt (pid {parent}) started {children.Length} of {expected} dpt-worker processes within {timeout}");
            await Task.Delay(20);
        }
    }

    private static async Task AssertGoneAsync(int[] workers, DptResult result)
    {
        // dpt waits for its workers or kills them before it exits; a moment for the kernel to reap them.
        var watch = Stopwatch.StartNew();
        while (workers.Any(Alive) && watch.Elapsed < TimeSpan.FromSeconds(2)) await Task.Delay(20);
        Assert.True(!workers.Any(Alive), $"dpt-worker process(es) {string.Join(", ", workers.Where(Alive))} outlived dpt bench\n{result}");
    }

    private static bool Alive(int pid)
    {
        try
        {
            // A zombie has exited; only a process that still runs counts.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z' && CommandLine(pid).Contains("dpt-worker", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static int ParentOf(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return -1;
        }
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
