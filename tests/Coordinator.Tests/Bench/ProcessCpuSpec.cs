// The CPU accounting of `dpt bench --cluster`: a process's CPU time, the share of it in the actor runtime's
// threads (told apart by their names on Linux), and the per-step figures made of two readings.
using System.Diagnostics;
using Dpt.Coordinator.Bench;

namespace Dpt.Coordinator.Tests.Bench;

// Alone: tests running beside it would add their CPU time, and their actor threads', to this process's.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessCpuCollection
{
    public const string Name = "process CPU accounting";
}

[Collection(ProcessCpuCollection.Name)]
public sealed class ProcessCpuSpec
{
    /// <summary>Burns <paramref name="cpu"/> of the calling thread's own CPU time (on Linux, as /proc/thread-self counts it:
    /// a loaded machine stretches the wall time, not this); elsewhere that much wall time.</summary>
    private static void Burn(TimeSpan cpu)
    {
        var until = Stopwatch.GetTimestamp() + (long)(cpu.TotalSeconds * Stopwatch.Frequency);
        double start = OperatingSystem.IsLinux() ? ThreadCpuSeconds() : 0;
        double x = 1;
        while (OperatingSystem.IsLinux() ? ThreadCpuSeconds() - start < cpu.TotalSeconds : Stopwatch.GetTimestamp() < until)
            for (int i = 0; i < 100_000; i++) x = Math.Sqrt(x + 1);
        GC.KeepAlive(x);
    }

    // utime + stime of the calling thread, in the kernel's USER_HZ ticks (100 per second on Linux).
    private static double ThreadCpuSeconds()
    {
        string stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
    }

    private static CpuTimes ReadSelf() => ProcessCpu.Read(Environment.ProcessId) ?? throw new InvalidOperationException("this process could not be read");

    [Fact]
    public void A_processs_total_must_keep_the_time_of_a_thread_that_has_ended()
    {
        var before = ReadSelf();
        var actor = new Thread(() => Burn(TimeSpan.FromMilliseconds(300))) { Name = "dpt-thread spec" };
        actor.Start();
        actor.Join();
        var used = ReadSelf() - before;

        // The thread is gone by now: its time stays in the total, but only a live thread is told apart by its name.
        Assert.True(used.Total >= TimeSpan.FromMilliseconds(200), $"total {used.Total}");
        if (!OperatingSystem.IsLinux()) Assert.Null(used.ActorThreads);
    }

    [Fact]
    public void A_live_actor_thread_must_be_told_apart_from_the_rest_on_linux()
    {
        if (!OperatingSystem.IsLinux()) return; // the split needs /proc: elsewhere ActorThreads is null, as the spec above checks
        using var done = new ManualResetEventSlim();
        using var burnt = new ManualResetEventSlim();
        var actor = new Thread(() =>
        {
            Burn(TimeSpan.FromMilliseconds(300));
            burnt.Set();
            done.Wait();
        }) { Name = "dpt-pinned spec", IsBackground = true };
        var before = ReadSelf();
        actor.Start();
        burnt.Wait();
        var afterActor = ReadSelf();
        Burn(TimeSpan.FromMilliseconds(200)); // on the test's own thread, not an actor thread
        var after = ReadSelf();
        done.Set();
        actor.Join();

        var actorPart = (afterActor - before).ActorThreads!.Value;
        Assert.InRange(actorPart.TotalMilliseconds, 250, 2000); // 300 ms burnt, read in 10 ms ticks
        Assert.True((after - before).Total >= actorPart, $"total {(after - before).Total}, actor threads {actorPart}");
        // The test thread's burn is in the total and not in the actor threads (which only hold the idle actor now).
        Assert.True((after - afterActor).Total - (after - afterActor).ActorThreads!.Value >= TimeSpan.FromMilliseconds(150),
            $"total {(after - afterActor).Total}, actor threads {(after - afterActor).ActorThreads}");
    }

    [Fact]
    public void A_process_that_is_not_there_must_read_as_null()
    {
        using var exited = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        exited.WaitForExit();

        Assert.Null(ProcessCpu.Read(exited.Id));
    }

    [Fact]
    public void Per_step_figures_must_divide_each_processs_use_by_the_steps_and_the_total_by_cores_times_wall_time()
    {
        static CpuTimes? T(double total, double? actors) => new CpuTimes(TimeSpan.FromSeconds(total), actors is { } a ? TimeSpan.FromSeconds(a) : null);

        var cpu = ProcessCpu.PerStep(T(1, 0.5), T(3, 1.5), [T(10, 8), T(20, 15)], [T(14, 11), T(26, 20)], steps: 1000, wallSeconds: 6);

        Assert.NotNull(cpu);
        Assert.Equal(2e-3, cpu.Coordinator, 12);
        Assert.Equal(5e-3, cpu.Worker, 12);                  // (4 + 6) / 2 workers / 1000 steps
        Assert.Equal(4e-3, cpu.WorkerActorThreads!.Value, 12); // (3 + 5) / 2 / 1000
        Assert.Equal(12.0 / (Environment.ProcessorCount * 6), cpu.CoreShare, 12);
    }

    [Fact]
    public void Per_step_figures_must_be_null_without_two_readings_of_every_process_or_without_steps()
    {
        CpuTimes? t = new CpuTimes(TimeSpan.FromSeconds(1), null);

        Assert.Null(ProcessCpu.PerStep(t, t, [t], [t], steps: 0, wallSeconds: 1));
        Assert.Null(ProcessCpu.PerStep(null, t, [t], [t], steps: 10, wallSeconds: 1));
        Assert.Null(ProcessCpu.PerStep(t, t, [t], [null], steps: 10, wallSeconds: 1));
        Assert.Null(ProcessCpu.PerStep(t, t, [t, t], [t], steps: 10, wallSeconds: 1));
        Assert.Null(ProcessCpu.PerStep(t, t, [t], [t], steps: 10, wallSeconds: 1)!.WorkerActorThreads); // split unknown, the rest known
    }
}
