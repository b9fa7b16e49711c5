// Runs a local training to its end inside a test and collects what the coordinator reported.
using System.Threading.Channels;
using Dpt.Actors;
using Dpt.Coordinator.Local;
using Dpt.Coordinator.Training;
using Dpt.Training;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Tests.Local;

internal sealed record LocalRunResult(TrainingFinished Finished, IReadOnlyList<object> Events)
{
    public float[] Parameters => Finished.Final.Parameters;
    public IEnumerable<EpochReport> Epochs => Events.OfType<EpochCompleted>().Select(e => e.Report);
    public CheckpointReady LastCheckpoint => Events.OfType<CheckpointReady>().Last();
}

internal static class LocalRun
{
    public static async Task<LocalRunResult> RunAsync(TrainingSetup setup, TimeSpan? timeout = null)
    {
        var events = Channel.CreateUnbounded<object>();
        // The settings dpt train uses: with 2 workers on this 2-core machine the lanes spin when idle.
        await using var system = ActorSystem.Create("test", LocalTraining.SystemSettings(setup.Options.Workers));
        LocalTraining.Start(system, setup, system.ActorOf(ChannelListener.Props(events.Writer)));
        var seen = new List<object>();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(120));
        await foreach (var e in events.Reader.ReadAllAsync(cts.Token))
        {
            seen.Add(e);
            if (e is TrainingFinished f) return new LocalRunResult(f, seen);
            if (e is TrainingFailed failed) throw new InvalidOperationException(failed.Reason);
        }
        throw new InvalidOperationException("no end of training");
    }

    public static double RelativeDifference(float[] a, float[] b)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < a.Length; i++)
        {
            diff += (a[i] - (double)b[i]) * (a[i] - (double)b[i]);
            norm += a[i] * (double)a[i];
        }
        return Math.Sqrt(diff / norm);
    }
}
