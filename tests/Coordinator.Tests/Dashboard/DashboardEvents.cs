// Coordinator and cluster events for the dashboard's specs, built by hand with the fields the dashboard reads.
using System.Diagnostics;
using Dpt.Actors;
using Dpt.Cluster;
using Dpt.Model;
using Dpt.Training;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Tests.Dashboard;

internal static class DashboardEvents
{
    /// <summary>Stopwatch ticks in <paramref name="seconds"/>.</summary>
    public static long Ticks(double seconds) => (long)(seconds * Stopwatch.Frequency);

    /// <summary>A step of <paramref name="shards"/> (worker, samples, compute seconds), applied at <paramref name="at"/> seconds, taking
    /// <paramref name="stepSeconds"/> with 0.1 ms in the optimizer; its loss sum is <paramref name="loss"/> per sample and half its samples are right.</summary>
    public static StepCompleted Step(long step, double at, double loss = 1, double stepSeconds = 0.002, int epoch = 0, int stepsPerEpoch = 100,
        params (string Worker, int Samples, double ComputeSeconds)[] shards)
    {
        if (shards.Length == 0) shards = [("worker-1", 64, 0.001)];
        int samples = shards.Sum(s => s.Samples);
        var reports = new List<ShardReport>();
        int start = 0;
        foreach (var (worker, count, compute) in shards)
        {
            reports.Add(new ShardReport(worker, new SampleRange(start, count), new ShardTiming(0, compute)));
            start += count;
        }
        var times = new StepTimes(stepSeconds, shards.Max(s => s.ComputeSeconds), shards.Average(s => s.ComputeSeconds), 0.0001);
        return new StepCompleted(step, epoch, (int)(step % stepsPerEpoch), stepsPerEpoch, new BatchMetrics(loss * samples, samples / 2, samples),
            0.05f, times, shards.Length, Ticks(at)) { Shards = reports };
    }

    public static EpochReport Epoch(int epoch, double trainLoss, double? testAccuracy = 0.9) =>
        new(epoch, (epoch + 1) * 100L, trainLoss, 0.8, testAccuracy is null ? null : 0.3, testAccuracy, null, null, 20_000, 0.5, (epoch + 1) * 0.5, 0.05f, 2);

    /// <summary>The worker node at 127.0.0.1:<paramref name="port"/>, in <paramref name="status"/>.</summary>
    public static Member Node(int port, MemberStatus status) =>
        new(new UniqueAddress(new Address(Address.DefaultProtocol, "dpt", "127.0.0.1", port), port), status, new HashSet<string> { "worker" });
}
