// One local training run from the command line: starts the actors, follows the coordinator's events,
// writes the run folder (metrics, checkpoints, final model) and reports progress. Ctrl-C asks the
// coordinator to finish its step and checkpoint, so an interrupted run can be resumed.
using Dpt.CommandLine;
using System.Threading.Channels;
using Dpt.Actors;
using Dpt.Coordinator.Cluster;
using Dpt.Coordinator.Dashboard;
using Dpt.Coordinator.Local;
using Dpt.Hosting;
using Dpt.Coordinator.Runs;
using Dpt.Coordinator.Timeline;
using Dpt.Coordinator.Training;
using Dpt.Training;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Cli;

internal static class TrainingSession
{
    /// <summary>Trains to the end (or until cancelled); returns the summary, or throws if training failed.</summary>
    /// <param name="node">Cluster mode: how this node listens for workers; null for local mode.</param>
    /// <param name="timeline">Records the step timeline (--timeline); null records none.</param>
    /// <param name="dashboard">Shown every event (--dashboard); null for none.</param>
    public static async Task<TrainingSummary> RunAsync(TrainingSetup setup, RunFolder run, IProgressReporter reporter,
        double? targetAccuracy, CancellationToken cancellation, NodeOptions? node = null, RunTimeline? timeline = null, TrainingDashboard? dashboard = null)
    {
        var events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        await using var system = node is null
            ? ActorSystem.Create("dpt", LocalTraining.SystemSettings(setup.Options.Workers))
            : ActorSystem.Create("dpt", ClusterTraining.SystemSettings(new ActorSystemSettings { LoggerFactory = NodeLogging.Create(node.LogLevel) }));
        var listener = system.ActorOf(ChannelListener.Props(events.Writer), "listener");
        IActorRef coordinator;
        await using var cluster = node is null ? null : await ClusterTraining.StartAsync(system, setup, listener, node, cancellation, timeline);
        if (cluster is null) coordinator = LocalTraining.Start(system, setup, listener, timeline);
        else
        {
            coordinator = cluster.Actors.Coordinator;
            dashboard?.FollowMembership(system, cluster.Cluster);
            reporter.Notice($"listening at {cluster.Address.Host}:{cluster.Address.Port}; start workers with: dpt-worker --join {cluster.Address.Host}:{cluster.Address.Port}");
        }
        using var stop = cancellation.Register(() => coordinator.Tell(new CoordinatorProtocol.StopTraining("interrupted")));

        EpochReport? last = null, best = null, firstAtTarget = null;
        bool stepped = false;
        CheckpointReady? saved = null;
        await foreach (var e in events.Reader.ReadAllAsync(CancellationToken.None))
        {
            dashboard?.Observe(e);
            switch (e)
            {
                case StepsCompleted { Steps: var steps } when steps.Count > 0:
                    stepped = true;
                    reporter.Step(steps[^1]);
                    break;
                case EpochCompleted { Report: var report }:
                    run.AppendMetrics(report);
                    reporter.Epoch(report);
                    last = report;
                    if (report.TestAccuracy is { } acc)
                    {
                        if (best?.TestAccuracy is not { } b || acc > b) best = report;
                        if (targetAccuracy is { } t && acc >= t) firstAtTarget ??= report;
                    }
                    break;
                case CheckpointReady c:
                    new Checkpoint(setup.Options, c.Epoch, c.StepInEpoch, c.Step, c.ElapsedSeconds, c.Snapshot.Parameters, c.Snapshot.OptimizerState)
                        .Save(run.CheckpointPath);
                    saved = c;
                    break;
                // Before the first step the local workers are still registering, which takes milliseconds:
                // only a wait after a worker was lost is news.
                case WaitingForWorkers w when stepped || node is not null:
                    reporter.Waiting(w);
                    break;
                case TrainingFinished f:
                    if (cluster is not null) await cluster.EndRunAsync($"training finished: {f.Reason}");
                    (setup.ModelFile(f.Final.Parameters) with { SyntheticCount = setup.Options.SyntheticCount, Seed = setup.Options.Seed })
                        .Save(run.ModelPath);
                    bool interrupted = cancellation.IsCancellationRequested;
                    return new TrainingSummary(run.Path, interrupted ? "interrupted" : f.Reason, f.Epochs, f.Steps, f.ElapsedSeconds,
                        last, best, targetAccuracy, firstAtTarget, interrupted ? ResumeCommand(run.Path) : null);
                case TrainingFailed failed:
                    if (cluster is not null) await cluster.EndRunAsync($"training failed: {failed.Reason}");
                    throw new InvalidOperationException(failed.DivergedAtStep is null ? failed.Reason : Diverged(failed.Reason, setup.Options, run, saved));
            }
        }
        throw new InvalidOperationException("the coordinator stopped without reporting an end of training");
    }

    /// <summary>What a diverged run left, and what to change: resuming it would only diverge again, as its options come
    /// from the checkpoint.</summary>
    private static string Diverged(string reason, TrainingOptions options, RunFolder run, CheckpointReady? saved)
    {
        string kept = saved is not null ? $"{run.CheckpointPath} holds the last finite parameters, after {saved.Step} steps"
            : File.Exists(run.CheckpointPath) ? $"{run.CheckpointPath} still holds the parameters this run was resumed from"
            : "it diverged in its first epoch, before any checkpoint";
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        string clip = options.ClipNorm is { } c ? $"a smaller --clip-norm (it is {c.ToString(invariant)})" : "--clip-norm";
        return $"{reason}. No model was written; {kept}. Train again with a smaller --lr (it is {options.LearningRate.ToString(invariant)}) or with {clip}";
    }

    /// <summary>dpt train --resume PATH, quoted for a shell where it needs to be.</summary>
    private static string ResumeCommand(string path) =>
        "dpt train --resume " + (path.Any(c => char.IsWhiteSpace(c) || "'\"$`\\&;|<>()*?".Contains(c)) ? $"'{path.Replace("'", "'\\''")}'" : path);
}
