// Runs the real dpt program (or dpt-worker) as a child process (`dotnet dpt.dll ...`, the build next to
// this test assembly) with standard output and error captured, as a shell pipeline would, each line
// stamped with when it arrived. A run that outlives its time limit is killed and fails the test with
// everything it printed; signals (SIGINT, SIGTERM, SIGKILL, SIGSTOP, SIGCONT) go to it by kill(2).
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Xunit.Sdk;

namespace Dpt.Coordinator.Tests.Cli;

/// <summary>
/// The specs that start dpt processes run one at a time: each process trains on every core it is given,
/// and the machine has two, shared with the other test assemblies' timing-sensitive actor specs.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DptProcesses
{
    public const string Name = "dpt processes";
}

/// <summary>How a finished dpt run ended and what it printed.</summary>
internal sealed record DptResult(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    public string[] OutputLines => Lines(StandardOutput);
    public string[] ErrorLines => Lines(StandardError);

    public override string ToString() =>
        $"{Command}\nexit code {ExitCode}\n--- standard output ---\n{StandardOutput}\n--- standard error ---\n{StandardError}";

    private static string[] Lines(string text) => text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();
}

/// <summary>A dpt process that is still running: its output so far, a way to signal it, and its end.</summary>
internal sealed class DptProcess : IDisposable
{
    /// <summary>The signals the specs send (Linux numbers).</summary>
    public enum Signal
    {
        Interrupt = 2,
        Kill = 9,
        Terminate = 15,
        Continue = 18,
        Stop = 19,
    }

    /// <summary>Enough for any run the specs start: they train on a few hundred synthetic samples.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _output = new(), _error = new();
    private readonly List<StampedLine> _lines = new();
    private readonly string _program, _command;

    private DptProcess(string program, IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment)
    {
        _program = program;
        string dll = Path.Combine(AppContext.BaseDirectory, program + ".dll");
        if (!File.Exists(dll)) throw new XunitException($"{dll} is missing: the test project must reference the Coordinator and Worker projects");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(dll);
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>()) start.Environment[name] = value;
        _command = program + " " + string.Join(" ", args.Select(a => a.Length == 0 || a.Contains(' ') ? $"'{a}'" : a));
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(_output, e.Data, standardError: false);
        _process.ErrorDataReceived += (_, e) => Append(_error, e.Data, standardError: true);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Runs dpt with <paramref name="args"/> to its end.</summary>
    public static Task<DptResult> RunAsync(params string[] args) => RunAsync(args, DefaultTimeout);

    public static async Task<DptResult> RunAsync(IReadOnlyList<string> args, TimeSpan timeout)
    {
        using var dpt = Start(args);
        return await dpt.WaitForExitAsync(timeout);
    }

    public static DptProcess Start(IReadOnlyList<string> args) => new("dpt", args, null);

    /// <summary>Starts dpt-worker (its build sits next to dpt's); <paramref name="environment"/> adds to or,
    /// with null values, removes from the inherited variables.</summary>
    public static DptProcess StartWorker(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment = null) =>
        new("dpt-worker", args, environment);

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>A line of output and when it arrived (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public sealed record StampedLine(long Timestamp, bool StandardError, string Text);

    /// <summary>Every line printed so far, both streams, in order of arrival.</summary>
    public StampedLine[] LinesSoFar
    {
        get { lock (_lines) return _lines.ToArray(); }
    }

    public string OutputSoFar
    {
        get { lock (_output) return _output.ToString(); }
    }

    public string ErrorSoFar
    {
        get { lock (_error) return _error.ToString(); }
    }

    /// <summary>
    /// Waits until a line of standard output (or error) satisfies <paramref name="predicate"/>; fails if the
    /// process ends or the time runs out first. A carriage return ends a line too, as in progress displays.
    /// </summary>
    public async Task WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout, bool standardError = false) =>
        await WaitForStampedLineAsync(predicate, timeout, standardError);

    /// <summary>
    /// Like <see cref="WaitForLineAsync"/>, and returns the first matching line with its arrival time; with
    /// <paramref name="after"/>, only a line that arrived after that <see cref="Stopwatch.GetTimestamp"/>.
    /// </summary>
    public async Task<StampedLine> WaitForStampedLineAsync(Func<string, bool> predicate, TimeSpan timeout, bool standardError = false, long after = long.MinValue)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            bool exited = _process.HasExited; // read before the lines: a process that ended has printed them all
            if (LinesSoFar.FirstOrDefault(l => l.StandardError == standardError && l.Timestamp > after && predicate(l.Text)) is { } line) return line;
            if (exited)
                throw new XunitException($"{_program} ended before printing the awaited line\n{await WaitForExitAsync(timeout)}");
            if (deadline.Elapsed > timeout)
                throw new XunitException($"{_program} printed no awaited line within {timeout.TotalSeconds:F0} s\n{Kill()}");
            await Task.Delay(20);
        }
    }

    /// <summary>Sends SIGINT, what Ctrl-C in a terminal sends to the foreground process.</summary>
    public void Interrupt() => Send(Signal.Interrupt);

    /// <summary>Sends <paramref name="signal"/>; returns <see cref="Stopwatch.GetTimestamp"/> just before it was sent.</summary>
    public long Send(Signal signal)
    {
        long now = Stopwatch.GetTimestamp();
        if (kill(_process.Id, (int)signal) != 0)
            throw new XunitException($"kill({_process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}");
        return now;
    }

    public async Task<DptResult> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
            _process.WaitForExit(); // and for the last lines of output to be read
        }
        catch (OperationCanceledException)
        {
            throw new XunitException($"{_program} did not finish within {timeout.TotalSeconds:F0} s and was killed\n{Kill()}");
        }
        return Result(_process.ExitCode);
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }

    /// <summary>Kills the process (SIGKILL, which ends a stopped process too) and returns what it printed.</summary>
    public DptResult Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        return Result(_process.ExitCode);
    }

    /// <summary>What it printed so far, for failure messages; the exit code is -1 while it runs.</summary>
    public DptResult Snapshot() => Result(_process.HasExited ? _process.ExitCode : -1);

    private DptResult Result(int exitCode)
    {
        lock (_output)
        lock (_error)
            return new DptResult(_command, exitCode, _output.ToString(), _error.ToString());
    }

    private void Append(StringBuilder text, string? line, bool standardError)
    {
        if (line is null) return;
        long now = Stopwatch.GetTimestamp();
        lock (text) text.Append(line).Append('\n');
        lock (_lines) _lines.Add(new StampedLine(now, standardError, line));
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}

/// <summary>What every failed dpt run must look like to the person who typed it.</summary>
internal static class DptAssert
{
    /// <summary>Exit code 2, nothing on standard output, and one line on standard error holding every fragment.</summary>
    public static string UsageError(DptResult result, params string[] fragments) => OneLineError(result, 2, fragments);

    /// <summary>Exit code 1 and one line on standard error holding every fragment (standard output may show progress).</summary>
    public static string Failure(DptResult result, params string[] fragments) => OneLineError(result, 1, fragments);

    private static string OneLineError(DptResult result, int exitCode, string[] fragments)
    {
        Assert.True(result.ExitCode == exitCode, $"expected exit code {exitCode}\n{result}");
        if (exitCode == 2) Assert.True(result.StandardOutput.Length == 0, $"expected nothing on standard output\n{result}");
        Assert.True(result.ErrorLines.Length == 1, $"expected exactly one line on standard error\n{result}");
        string line = result.ErrorLines[0];
        Assert.StartsWith("dpt", line);
        Assert.DoesNotContain("Exception", line);
        Assert.DoesNotContain("   at ", result.StandardError);
        foreach (string fragment in fragments)
            Assert.True(line.Contains(fragment, StringComparison.OrdinalIgnoreCase), $"expected '{fragment}' in the error line\n{result}");
        return line;
    }
}
