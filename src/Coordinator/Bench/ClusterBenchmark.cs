// `dpt bench --cluster`: the reference workload through the real cluster path. This process runs the
// coordinator and the parameter server listening on loopback; N dpt-worker processes on this machine join
// it with a random secret (passed by environment variable), compute, and exit when the run ends. It measures
// what local mode measures, so the two compare; it does not spread workers over machines.
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Dpt.Actors;
using Dpt.Coordinator.Cluster;
using Dpt.Coordinator.Local;
using Dpt.Coordinator.Timeline;
using Dpt.Coordinator.Training;
using Dpt.Hosting;
using Dpt.Training;

namespace Dpt.Coordinator.Bench;

public static class ClusterBenchmark
{
    /// <summary>How long worker processes get to leave after the run ended before they are killed.</summary>
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(10);

    /// <summary>How long an interrupted run gets to finish its step; Ctrl-C in a terminal also stops the workers, which may leave first.</summary>
    private static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(5);

    /// <summary>Sent to the benchmark's event channel (beside the coordinator's events) when a worker process exits.</summary>
    private sealed record WorkerProcessExited(WorkerProcess Worker);

    /// <summary>Sent to the benchmark's event channel when an interrupted run did not end within <see cref="InterruptGrace"/>.</summary>
    private sealed record InterruptGraceOver
    {
        public static readonly InterruptGraceOver Instance = new();
    }

    /// <summary>One run with <see cref="BenchOptions.Workers"/> fresh worker processes; they are gone when it returns or throws.</summary>
    /// <param name="timeline">Records the run's step timeline (--timeline), the worker processes' spans included; null records none.</param>
    public static async Task<BenchResult> RunAsync(BenchOptions b, Action<string>? progress = null, CancellationToken cancellation = default,
        RunTimeline? timeline = null)
    {
        var options = LocalBenchmark.ReferenceOptions(b) with { Workers = 0, MinWorkers = b.Workers };
        TrainingOptionsValidator.Validate(options);
        var data = TrainingData.Load(options);
        int total = b.WarmupSteps + b.StepsPerWindow * b.Windows;
        var setup = TrainingSetup.Create(options, data, maxSteps: total, evaluate: false);
        // A secret as a user would put in a file: base64 text, which ClusterSecret.Load reads back as its UTF-8 bytes.
        string secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var node = new NodeOptions { Listen = new HostPort("127.0.0.1", 0), Secret = Encoding.UTF8.GetBytes(secret) };

        var events = Channel.CreateUnbounded<object>();
        await using var system = ActorSystem.Create("dpt");
        var listener = system.ActorOf(ChannelListener.Props(events.Writer), "listener");
        var workers = new List<WorkerProcess>();
        await using var cluster = await ClusterTraining.StartAsync(system, setup, listener, node, cancellation, timeline);
        try
        {
            var coordinator = cluster.Actors.Coordinator;
            using var stop = cancellation.Register(() =>
            {
                coordinator.Tell(new CoordinatorProtocol.StopTraining("interrupted"));
                _ = Task.Delay(InterruptGrace).ContinueWith(_ => events.Writer.TryWrite(InterruptGraceOver.Instance), TaskScheduler.Default);
            });
            progress?.Invoke($"starting {b.Workers} worker process{(b.Workers == 1 ? "" : "es")}");
            for (int i = 0; i < b.Workers; i++)
                workers.Add(WorkerProcess.Start(cluster.Address, secret, w => events.Writer.TryWrite(new WorkerProcessExited(w))));

            List<TrainingEvents.StepCompleted> steps;
            try
            {
                steps = await LocalBenchmark.CollectStepsAsync(events.Reader, total, progress, e => e switch
                {
                    WorkerProcessExited when cancellation.IsCancellationRequested => Task.CompletedTask, // Ctrl-C reached it too
                    WorkerProcessExited exited => throw new InvalidOperationException(
                        $"a worker process exited before the benchmark ended: {exited.Worker.Describe()}"),
                    InterruptGraceOver => throw new OperationCanceledException(
                        $"benchmark interrupted; the worker processes did not finish the step in progress within {InterruptGrace.TotalSeconds:0} s"),
                    _ => Task.CompletedTask,
                });
            }
            catch (InvalidOperationException) when (cancellation.IsCancellationRequested)
            {
                throw new OperationCanceledException("benchmark interrupted while waiting for the worker processes");
            }
            await cluster.EndRunAsync("benchmark done");
            return LocalBenchmark.Summarize(b, setup, steps) with
            {
                Mode = "cluster",
                TensorBytesPerWorkerEachWay = setup.Model.Layout.Length * (long)sizeof(float),
            };
        }
        finally
        {
            await cluster.EndRunAsync("benchmark stopped");
            await Task.WhenAll(workers.Select(w => w.StopAsync(ExitGrace)));
        }
    }

    /// <summary>A dpt-worker child process joined to this node, its output kept for a failure message.</summary>
    private sealed class WorkerProcess
    {
        private readonly Process _process;
        private readonly StringBuilder _error = new();

        private WorkerProcess(Process process) => _process = process;

        public int Id => _process.Id;

        public static WorkerProcess Start(Address coordinator, string secret, Action<WorkerProcess> exited)
        {
            var start = Command();
            start.RedirectStandardOutput = start.RedirectStandardError = true;
            start.RedirectStandardInput = true; // a worker never reads it; the terminal stays the benchmark's
            start.UseShellExecute = false;
            foreach (string a in (string[])["--join", $"{coordinator.Host}:{coordinator.Port}", "--listen", "127.0.0.1:0", "--connect-timeout", "30"])
                start.ArgumentList.Add(a);
            start.Environment[ClusterSecret.EnvironmentVariable] = secret;
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

        /// <summary>dpt-worker next to this program: its apphost, or the dll run by the dotnet host running this one.</summary>
        private static ProcessStartInfo Command()
        {
            string directory = AppContext.BaseDirectory;
            string apphost = Path.Combine(directory, OperatingSystem.IsWindows() ? "dpt-worker.exe" : "dpt-worker");
            if (File.Exists(apphost)) return new ProcessStartInfo(apphost);
            string dll = Path.Combine(directory, "dpt-worker.dll");
            if (!File.Exists(dll)) throw new FileNotFoundException($"dpt bench --cluster needs dpt-worker next to dpt, and there is none in {directory}");
            string host = Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
            var start = new ProcessStartInfo(host);
            start.ArgumentList.Add(dll);
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
                try
                {
                    _process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It exited meanwhile.
                }
                await _process.WaitForExitAsync(CancellationToken.None);
            }
            _process.Dispose();
        }

        public string Describe()
        {
            _process.WaitForExit(); // also reads the rest of its output
            string error;
            lock (_error) error = _error.ToString().Trim();
            return $"dpt-worker (pid {Id}) exit code {_process.ExitCode}{(error.Length == 0 ? "" : $":\n{error}")}";
        }
    }
}
