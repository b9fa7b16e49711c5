// One dpt-worker child process of this program, joined to the coordinator node in this process, its standard
// error kept for a failure message. It finds dpt-worker next to dpt, and may run it through a prefix such as
// `ip netns exec NAME` (a network namespace of its own).
using System.Diagnostics;
using System.Text;
using Dpt.Hosting;

namespace Dpt.Coordinator.Cluster;

/// <summary>How to start one dpt-worker.</summary>
/// <param name="Join">The coordinator's HOST:PORT as the worker reaches it.</param>
/// <param name="Listen">Where the worker listens: 127.0.0.1:0, or its own address in its network namespace.</param>
/// <param name="Secret">The cluster secret, passed in <see cref="ClusterSecret.EnvironmentVariable"/>, never on the command line.</param>
/// <param name="SendDelay">Latency emulation (experiments only): how long the worker holds each message it sends.</param>
/// <param name="Prefix">A command that runs the worker, e.g. ip netns exec NAME; empty to start it directly.</param>
/// <param name="SharedMemoryBytes">The worker's --shared-memory-mib in bytes; null for its default.</param>
/// <param name="Cpus">The worker's --cpus; null to let it run on any CPU.</param>
public sealed record WorkerLaunch(string Join, string Listen, string Secret, TimeSpan SendDelay = default, IReadOnlyList<string>? Prefix = null,
    long? SharedMemoryBytes = null, string? Cpus = null)
{
    /// <summary>The --cpus of worker <paramref name="k"/> (from 1) of <paramref name="workers"/> started on this machine: a
    /// CPU of its own while there are enough (see <see cref="CpuAffinity"/>), any CPU when there are more workers than
    /// CPUs or off Linux.</summary>
    public static string? OwnCpu(int k, int workers)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var allowed = CpuAffinity.Allowed();
        return workers <= allowed.Count ? allowed[(k - 1) % allowed.Count].ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
    }
}

public sealed class WorkerProcess
{
    private readonly Process _process;
    private readonly StringBuilder _error = new();

    private WorkerProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static WorkerProcess Start(WorkerLaunch launch, Action<WorkerProcess> exited)
    {
        var start = Command(launch.Prefix ?? []);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.RedirectStandardInput = true; // a worker never reads it; the terminal stays this program's
        start.UseShellExecute = false;
        foreach (string a in (string[])["--join", launch.Join, "--listen", launch.Listen, "--connect-timeout", "30"]) start.ArgumentList.Add(a);
        if (launch.SendDelay > TimeSpan.Zero)
        {
            start.ArgumentList.Add("--send-delay-us");
            start.ArgumentList.Add(((long)Math.Round(launch.SendDelay.TotalMicroseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (launch.Cpus is { } cpus)
        {
            start.ArgumentList.Add("--cpus");
            start.ArgumentList.Add(cpus);
        }
        if (launch.SharedMemoryBytes is { } shared)
        {
            start.ArgumentList.Add("--shared-memory-mib");
            start.ArgumentList.Add((shared >> 20).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        start.Environment[ClusterSecret.EnvironmentVariable] = launch.Secret;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (worker._error) worker._error.AppendLine(e.Data);
        };
        process.Exited += (_, _) => exited(worker);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>dpt-worker next to this program: its apphost, or the dll run by the dotnet host running this one; after
    /// <paramref name="prefix"/>.</summary>
    private static ProcessStartInfo Command(IReadOnlyList<string> prefix)
    {
        string directory = AppContext.BaseDirectory;
        string apphost = Path.Combine(directory, OperatingSystem.IsWindows() ? "dpt-worker.exe" : "dpt-worker");
        string dll = Path.Combine(directory, "dpt-worker.dll");
        List<string> command;
        if (File.Exists(apphost)) command = [apphost];
        else if (File.Exists(dll))
            command = [Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet", dll];
        else throw new FileNotFoundException($"worker processes need dpt-worker next to dpt, and there is none in {directory}");
        command = [.. prefix, .. command];
        var start = new ProcessStartInfo(command[0]);
        foreach (string a in command.Skip(1)) start.ArgumentList.Add(a);
        return start;
    }

    /// <summary>Waits up to <paramref name="grace"/> for the process to exit (the run's end tells it to), then kills it.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
        }
        _process.Dispose();
    }

    /// <summary>Kills the process at once, if it still runs.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // It exited meanwhile (or was disposed).
        }
    }

    public string Describe()
    {
        _process.WaitForExit(); // also reads the rest of its output
        string error;
        lock (_error) error = _error.ToString().Trim();
        return $"dpt-worker (pid {Id}) exit code {_process.ExitCode}{(error.Length == 0 ? "" : $":\n{error}")}";
    }
}
