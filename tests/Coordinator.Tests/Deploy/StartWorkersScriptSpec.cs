// deploy/start-workers.sh run for real against a real coordinator, with stand-ins for ssh and scp on PATH
// that run the remote command on this machine, in a folder per host (its "home"). The script's own work is
// what is tested: copying the worker and the secret, starting each worker under nohup with its pid file,
// and --stop, which signals and waits for them.
using System.Diagnostics;
using Dpt.Coordinator.Tests.Cli;
using Dpt.Coordinator.Tests.Cluster;
using Xunit.Abstractions;

namespace Dpt.Coordinator.Tests.Deploy;

[Collection(DptProcesses.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // bash, /proc and file modes
public sealed class StartWorkersScriptSpec(ITestOutputHelper output)
{
    private const string Host = "127.0.0.1";

    // Runs the remote command in $FAKE_SSH_ROOT/HOST, as ssh would run it in HOST's home.
    private const string FakeSsh = """
        #!/bin/bash
        while [[ $1 == -* ]]; do if [[ $1 == -o ]]; then shift 2; else shift; fi; done
        host=$1; shift
        mkdir -p "$FAKE_SSH_ROOT/$host" && cd "$FAKE_SSH_ROOT/$host" || exit 255
        exec bash -c "$*"
        """;

    // Copies to HOST:PATH as $FAKE_SSH_ROOT/HOST/PATH.
    private const string FakeScp = """
        #!/bin/bash
        while [[ $1 == -* ]]; do if [[ $1 == -o ]]; then shift 2; else shift; fi; done
        host=${2%%:*} path=${2#*:}
        mkdir -p "$FAKE_SSH_ROOT/$host" && cd "$FAKE_SSH_ROOT/$host" && cp -r "$1" "$path"
        """;

    [Fact]
    public async Task The_script_must_start_workers_that_train_with_the_coordinator_and_stop_them()
    {
        using var cluster = await ClusterProcesses.StartAsync(output, [.. ClusterTrainingSpec.Blobs, "--epochs", "5000", "--min-workers", "2"]);
        using var scratch = new TempDirectory();
        string bin = Directory.CreateDirectory(scratch.File("bin")).FullName;
        Executable(Path.Combine(bin, "ssh"), FakeSsh);
        Executable(Path.Combine(bin, "scp"), FakeScp);
        // The published worker the script copies: here a launcher of the build next to this test assembly.
        string worker = Directory.CreateDirectory(scratch.File("dpt-worker")).FullName;
        Executable(Path.Combine(worker, "dpt-worker"), $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "dpt-worker.dll")}' \"$@\"\n");
        File.WriteAllText(scratch.File("hosts"), $"# the workers of this spec\n{Host} 2\n");
        string home = Path.Combine(scratch.File("remote"), Host, "dpt");
        int port = ClusterProcesses.FreePort();

        var start = await RunScriptAsync(scratch, bin, "--join", $"127.0.0.1:{cluster.Port}", "--secret-file", cluster.SecretFile,
            "--worker-dir", worker, "--port", $"{port}", scratch.File("hosts"));
        Assert.True(start.ExitCode == 0, start.Output);
        Assert.Contains($"== {Host}: starting 2 worker(s), joining 127.0.0.1:{cluster.Port}", start.Output);
        Assert.Equal(File.ReadAllText(cluster.SecretFile), File.ReadAllText(Path.Combine(home, "secret")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(home, "secret")));
        int[] pids = [Pid(home, 0), Pid(home, 1)];

        // Both train: the coordinator needs two workers before its first epoch ends.
        await cluster.Coordinator.WaitForLineAsync(l => l.StartsWith("{\"epoch\":1,", StringComparison.Ordinal),
            ClusterProcesses.Timeout);
        Assert.All(cluster.EpochLines(), e => Assert.Equal(2, e.GetProperty("workers").GetInt32()));

        // Starting again starts nothing: each worker is still running.
        var again = await RunScriptAsync(scratch, bin, "--join", $"127.0.0.1:{cluster.Port}", "--secret-file", cluster.SecretFile,
            "--worker-dir", worker, "--port", $"{port}", scratch.File("hosts"));
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains($"worker 0 already running (pid {pids[0]})", again.Output);
        Assert.Contains($"worker 1 already running (pid {pids[1]})", again.Output);

        var stop = await RunScriptAsync(scratch, bin, "--stop", scratch.File("hosts"));
        Assert.True(stop.ExitCode == 0, stop.Output);
        Assert.All(pids, pid => Assert.False(Running(pid), $"worker {pid} still runs after --stop"));
        Assert.Empty(Directory.GetFiles(Path.Combine(home, "run")));
        for (int i = 0; i < 2; i++)
        {
            string log = File.ReadAllText(Path.Combine(home, "logs", $"worker-{i}.log"));
            output.WriteLine($"--- worker-{i}.log ---\n{log}");
            Assert.Contains("dpt-worker: left the cluster (", log);
        }
        // With both gone the coordinator waits for workers, as it does in a real cluster.
        await cluster.Coordinator.WaitForLineAsync(l => l.Contains("waiting for workers: 0 of 1 registered", StringComparison.Ordinal),
            ClusterProcesses.Timeout, standardError: true);
    }

    private static void Executable(string path, string text)
    {
        File.WriteAllText(path, text.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static int Pid(string home, int worker) =>
        int.Parse(File.ReadAllText(Path.Combine(home, "run", $"worker-{worker}.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private static bool Running(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    private sealed record ScriptResult(int ExitCode, string Output);

    private async Task<ScriptResult> RunScriptAsync(TempDirectory scratch, string bin, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(DeployFiles.PathOf("start-workers.sh"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment["FAKE_SSH_ROOT"] = scratch.File("remote");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ClusterProcesses.Timeout);
        await process.WaitForExitAsync(timeout.Token);
        string text = await stdout + await stderr;
        output.WriteLine($"start-workers.sh {string.Join(' ', args)} -> exit {process.ExitCode}\n{text}");
        return new ScriptResult(process.ExitCode, text);
    }
}
