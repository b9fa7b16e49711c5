// `dpt bench --cluster`: the reference workload through the real cluster path. This process runs the
// coordinator and the parameter server listening on loopback; N dpt-worker processes on this machine join
// it (LocalCluster), compute, and exit when the run ends. It measures what local mode measures, so the two
// compare, and the CPU each process uses per step, as they share this machine's cores; it does not spread
// workers over machines.
using System.Diagnostics;
using Dpt.Coordinator.Cluster;
using Dpt.Coordinator.Timeline;
using Dpt.Coordinator.Training;
using Dpt.Hosting;
using Dpt.Training;

namespace Dpt.Coordinator.Bench;

public static class ClusterBenchmark
{
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
        var cpu = new CpuWindow(b.WarmupSteps, total);
        var steps = await LocalCluster.RunAsync(setup, b.Workers, new HostPort("127.0.0.1", 0), TimeSpan.Zero,
            (k, join, secret) => new WorkerLaunch(join, "127.0.0.1:0", secret, SharedMemoryBytes: b.SharedMemoryBytes, Cpus: b.PinWorkers ? WorkerLaunch.OwnCpu(k, b.Workers) : null),
            (events, check, workers) => LocalBenchmark.CollectStepsAsync(events, total, progress, e =>
            {
                check(e);
                return Task.CompletedTask;
            }, count => cpu.Counted(count, workers)),
            "benchmark", progress, cancellation, timeline, b.SharedMemoryBytes);
        return LocalBenchmark.Summarize(b, setup, steps) with
        {
            Mode = "cluster",
            TensorBytesPerWorkerEachWay = setup.Model.Layout.Length * (long)sizeof(float),
            Cpu = cpu.PerStep(),
        };
    }

    /// <summary>Reads every process's CPU time when the warm-up is over and again when the last step is in.</summary>
    private sealed class CpuWindow(int warmup, int total)
    {
        private (int Steps, long At, CpuTimes? Coordinator, CpuTimes?[] Workers)? _start, _end;

        public void Counted(int steps, IReadOnlyList<int> workers)
        {
            if (_start is null && steps >= warmup) _start = Read(steps, workers);
            else if (_start is not null && _end is null && steps >= total) _end = Read(steps, workers);
        }

        private static (int, long, CpuTimes?, CpuTimes?[]) Read(int steps, IReadOnlyList<int> workers) =>
            (steps, Stopwatch.GetTimestamp(), ProcessCpu.Read(Environment.ProcessId), workers.Select(ProcessCpu.Read).ToArray());

        public CpuPerStep? PerStep() =>
            _start is { } s && _end is { } e
                ? ProcessCpu.PerStep(s.Coordinator, e.Coordinator, s.Workers, e.Workers, e.Steps - s.Steps, Stopwatch.GetElapsedTime(s.At, e.At).TotalSeconds)
                : null;
    }
}
