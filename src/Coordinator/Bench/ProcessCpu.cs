// CPU time of the processes of a cluster benchmark, read around its measured steps. The coordinator and the worker
// processes share this machine's cores: CPU per step shows what each process takes of a step's core time, how much
// of a worker's goes to its actor thread (the compute) rather than to the transport and the runtime, and how close
// all of them come to every core. Where the cores are full, anything the coordinator does is taken from a worker.
using System.Diagnostics;

namespace Dpt.Coordinator.Bench;

/// <summary>CPU time a process has used: in all, and in its actor runtime's dedicated threads (a worker's compute, the
/// coordinator's lanes); the rest went to the thread pool, the transport's writers, the JIT and the GC.</summary>
/// <param name="ActorThreads">Null where threads cannot be told apart (not Linux).</param>
public readonly record struct CpuTimes(TimeSpan Total, TimeSpan? ActorThreads)
{
    public static CpuTimes operator -(CpuTimes a, CpuTimes b) => new(a.Total - b.Total, a.ActorThreads - b.ActorThreads);
}

/// <summary>The CPU of a cluster benchmark's measured steps, per step. Seconds of one core.</summary>
/// <param name="Coordinator">This process: coordinator, parameter server and transport.</param>
/// <param name="Worker">A worker process, the mean over them.</param>
/// <param name="WorkerActorThreads">Of <paramref name="Worker"/>, its actor threads; null where threads cannot be told apart.</param>
/// <param name="CoreShare">All of these processes' CPU over the processor count times the wall time: 1 is every core busy.</param>
public sealed record CpuPerStep(double Coordinator, double Worker, double? WorkerActorThreads, double CoreShare);

public static class ProcessCpu
{
    // PinnedMailbox and SharedThread name their threads so; Linux keeps a thread name's first 15 bytes.
    private static readonly string[] ActorThreadPrefixes = ["dpt-pinned", "dpt-thread"];

    /// <summary>The CPU time process <paramref name="pid"/> has used so far; null if there is no such process (any more).</summary>
    public static CpuTimes? Read(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            var total = process.TotalProcessorTime;
            return new CpuTimes(total, OperatingSystem.IsLinux() ? ActorThreadTime(process) : null);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static TimeSpan ActorThreadTime(Process process)
    {
        var sum = TimeSpan.Zero;
        foreach (ProcessThread thread in process.Threads)
        {
            try
            {
                string name = File.ReadAllText($"/proc/{process.Id}/task/{thread.Id}/comm");
                if (ActorThreadPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))) sum += thread.TotalProcessorTime;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // The thread ended since the list was read: its time stays in the process's total.
            }
        }
        return sum;
    }

    /// <summary>
    /// What the processes used between two readings (<paramref name="before"/> and <paramref name="after"/>, taken
    /// <paramref name="wallSeconds"/> apart, <paramref name="steps"/> steps apart), per step; null if a process is
    /// missing from either reading or no step passed.
    /// </summary>
    public static CpuPerStep? PerStep(CpuTimes? coordinatorBefore, CpuTimes? coordinatorAfter, IReadOnlyList<CpuTimes?> workersBefore,
        IReadOnlyList<CpuTimes?> workersAfter, int steps, double wallSeconds)
    {
        if (steps <= 0 || wallSeconds <= 0 || coordinatorBefore is not { } c0 || coordinatorAfter is not { } c1
            || workersBefore.Count == 0 || workersBefore.Count != workersAfter.Count
            || workersBefore.Concat(workersAfter).Any(w => w is null)) return null;
        var workers = workersAfter.Select((w, i) => w!.Value - workersBefore[i]!.Value).ToList();
        double coordinator = (c1 - c0).Total.TotalSeconds;
        double worker = workers.Average(w => w.Total.TotalSeconds);
        double? actors = workers.All(w => w.ActorThreads is not null) ? workers.Average(w => w.ActorThreads!.Value.TotalSeconds) : null;
        double share = (coordinator + workers.Sum(w => w.Total.TotalSeconds)) / (Environment.ProcessorCount * wallSeconds);
        return new CpuPerStep(coordinator / steps, worker / steps, actors / steps, share);
    }
}
