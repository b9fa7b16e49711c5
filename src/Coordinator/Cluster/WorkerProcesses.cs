// The dpt-worker processes of one run of `dpt bench --cluster` or `dpt experiment scale --mode cluster`, which
// start a fresh set per run. Each process that exits says so on the run's event channel, so the run stops on a
// lost worker instead of waiting for it; the set is gone after StopAsync, and also when this program exits
// first (System.CommandLine ends it 2 s after Ctrl-C, finished or not).
using System.Threading.Channels;
using Dpt.Actors;
using Dpt.Coordinator.Training;

namespace Dpt.Coordinator.Cluster;

public sealed class WorkerProcesses
{
    /// <summary>How long worker processes get to leave after the run ended before they are killed.</summary>
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(10);

    /// <summary>The same after a run that failed or was interrupted: a worker that had not joined yet was never told the
    /// run is over, and System.CommandLine ends this program 2 s after Ctrl-C.</summary>
    private static readonly TimeSpan AbortGrace = TimeSpan.FromMilliseconds(500);

    /// <summary>How long an interrupted run gets to finish its step; Ctrl-C in a terminal also stops the workers, which may leave first.</summary>
    private static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(5);

    private readonly List<WorkerProcess> _workers = new();
    private readonly EventHandler _killAtExit;

    /// <summary>Sent to the run's event channel (beside the coordinator's events) when a worker process exits.</summary>
    public sealed record Exited(WorkerProcess Worker);

    /// <summary>Sent to the run's event channel when an interrupted run did not end within <see cref="InterruptGrace"/>.</summary>
    public sealed record InterruptGraceOver
    {
        public static readonly InterruptGraceOver Instance = new();
    }

    private WorkerProcesses()
    {
        _killAtExit = (_, _) => { lock (_workers) foreach (var w in _workers) w.Kill(); };
        AppDomain.CurrentDomain.ProcessExit += _killAtExit;
    }

    /// <summary>The started processes' ids, in launch order (a launch with a prefix, such as `ip netns exec`, gives the prefix's).</summary>
    public IReadOnlyList<int> ProcessIds
    {
        get
        {
            lock (_workers) return _workers.Select(w => w.Id).ToArray();
        }
    }

    /// <summary>Starts one process per launch; each writes <see cref="Exited"/> to <paramref name="events"/> when it ends.</summary>
    public static WorkerProcesses Start(IEnumerable<WorkerLaunch> launches, ChannelWriter<object> events)
    {
        var set = new WorkerProcesses();
        try
        {
            foreach (var launch in launches)
            {
                var worker = WorkerProcess.Start(launch, w => events.TryWrite(new Exited(w)));
                lock (set._workers) set._workers.Add(worker);
            }
            return set;
        }
        catch
        {
            set.StopAsync(aborted: true).GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>On Ctrl-C: asks the coordinator to finish its step and stop, and writes <see cref="InterruptGraceOver"/>
    /// to <paramref name="events"/> if the run may not have ended <see cref="InterruptGrace"/> later.</summary>
    public static CancellationTokenRegistration StopOnCancel(IActorRef coordinator, ChannelWriter<object> events, CancellationToken cancellation) =>
        cancellation.Register(() =>
        {
            coordinator.Tell(new CoordinatorProtocol.StopTraining("interrupted"));
            _ = Task.Delay(InterruptGrace).ContinueWith(_ => events.TryWrite(InterruptGraceOver.Instance), TaskScheduler.Default);
        });

    /// <summary>Throws if <paramref name="e"/>, read from a run's events, means the run cannot go on: a worker process
    /// exited before the <paramref name="run"/> ended (unless Ctrl-C stopped it too, which ends the run once every worker
    /// process has left: the step in progress cannot finish), or an interrupted run did not end in time.</summary>
    public void Check(object e, string run, CancellationToken cancellation)
    {
        switch (e)
        {
            case Exited when cancellation.IsCancellationRequested:
                bool allGone;
                lock (_workers) allGone = _workers.All(w => w.HasExited);
                if (allGone) throw new OperationCanceledException($"{run} interrupted; the worker processes stopped too");
                return;
            case Exited exited:
                throw new InvalidOperationException($"a worker process exited before the {run} ended: {exited.Worker.Describe()}");
            case InterruptGraceOver:
                throw new OperationCanceledException($"{run} interrupted; the worker processes did not finish the step in progress within {InterruptGrace.TotalSeconds:0} s");
        }
    }

    /// <summary>Waits for every process to exit (the run's end tells them to), killing those still there after a grace
    /// period: a short one if the run did not end normally (<paramref name="aborted"/>).</summary>
    public async Task StopAsync(bool aborted = false)
    {
        WorkerProcess[] workers;
        lock (_workers) workers = _workers.ToArray();
        await Task.WhenAll(workers.Select(w => w.StopAsync(aborted ? AbortGrace : ExitGrace)));
        AppDomain.CurrentDomain.ProcessExit -= _killAtExit;
    }
}
