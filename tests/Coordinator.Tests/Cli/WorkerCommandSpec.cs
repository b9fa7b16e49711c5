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
    public async Task A_bad_option_value_must_be_one_line_with_exit_code_2(string[] args, string option, string accepted)
    {
        var worker = DptProcess.StartWorker(["--join", "127.0.0.1:1", .. args],
            new Dictionary<string, string?> { ["DPT_CLUSTER_SECRET"] = "a cluster secret of 32 characters" });
        var result = await worker.WaitForExitAsync(DptProcess.DefaultTimeout);
        DptAssert.UsageError(result, option, args[^1], accepted);
    }
}
