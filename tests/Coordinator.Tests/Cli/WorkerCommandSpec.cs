// `dpt-worker` run as a real process: a bad option value is one line naming the option, the value and what is
// accepted, with exit code 2, before the worker dials anything.
namespace Dpt.Coordinator.Tests.Cli;

[Collection(DptProcesses.Name)]
public sealed class WorkerCommandSpec
{
    [Theory]
    [InlineData(new[] { "--idle-spin-us", "20000" }, "--idle-spin-us", "an integer from 0 to 10000")]
    [InlineData(new[] { "--idle-spin-us", "-1" }, "--idle-spin-us", "an integer from 0 to 10000")]
    [InlineData(new[] { "--shared-memory-mib", "2048" }, "--shared-memory-mib", "an integer from 0 to 1024")]
    [InlineData(new[] { "--shared-memory-dir", "shm" }, "--shared-memory-dir", "an absolute path without '.', '..', repeated or trailing '/'")]
    [InlineData(new[] { "--shared-memory-dir", "/dev/shm/" }, "--shared-memory-dir", "an absolute path")]
    [InlineData(new[] { "--workers", "0" }, "--workers", "an integer from 1 to")]
    [InlineData(new[] { "--log-level", "loud" }, "--log-level", "one of trace, debug, information, warning, error")]
    [InlineData(new[] { "--cpus", "1-x" }, "--cpus", "expected CPU numbers and ranges such as 1 or 0-3,6 ('1-x' is not a CPU number or a range of them)")]
    [InlineData(new[] { "--cpus", "3-1" }, "--cpus", "the range 3-1 runs backwards")]
    [InlineData(new[] { "--cpus", "1000" }, "--cpus", "CPU 1000 is not one this process may use")]
    public async Task A_bad_option_value_must_be_one_line_with_exit_code_2(string[] args, string option, string accepted)
    {
        var worker = DptProcess.StartWorker(["--join", "127.0.0.1:1", .. args],
            new Dictionary<string, string?> { ["DPT_CLUSTER_SECRET"] = "a cluster secret of 32 characters" });
        var result = await worker.WaitForExitAsync(DptProcess.DefaultTimeout);
        DptAssert.UsageError(result, option, args[^1], accepted);
    }

    [Fact]
    public async Task Cpus_must_pin_every_thread_of_the_worker_process_to_those_cpus()
    {
        if (!OperatingSystem.IsLinux()) return; // affinity is read from /proc
        using var worker = DptProcess.StartWorker(["--join", "127.0.0.1:1", "--cpus", "0", "--connect-timeout", "30"],
            new Dictionary<string, string?> { ["DPT_CLUSTER_SECRET"] = "a cluster secret of 32 characters" });
        // The node is up (its transport, actor and pool threads started) once it says it waits for the coordinator.
        await worker.WaitForLineAsync(l => l.Contains("waiting for the coordinator"), DptProcess.DefaultTimeout, standardError: true);

        var allowed = Directory.GetDirectories($"/proc/{worker.Id}/task")
            .Select(task => File.ReadLines(Path.Combine(task, "status")).First(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)))
            .Select(line => line.Split(':')[1].Trim()).ToList();
        Assert.True(allowed.Count > 5, $"only {allowed.Count} threads");
        Assert.All(allowed, cpus => Assert.Equal("0", cpus));
    }
}
