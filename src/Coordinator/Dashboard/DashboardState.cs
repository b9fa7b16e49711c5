// What the dashboard knows about the run, fed from the coordinator's events as the command line reads them and
// from the cluster's membership events; read by the web server's requests. One lock guards it: applying an event
// costs microseconds, and a view copies what it needs under the lock and is serialised outside it. Each change
// bumps a version, which the event stream waits on.
using System.Diagnostics;
using Dpt.Actors;
using Dpt.Training;
using static Dpt.Cluster.ClusterEvents;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Dashboard;

internal sealed class DashboardState
{
    /// <summary>The statuses of <see cref="RunView.Status"/>.</summary>
    public const string Loading = "loading", Waiting = "waiting", Training = "training", Finished = "finished", Failed = "failed";

    private readonly object _gate = new();
    private readonly Func<long> _clock;
    private readonly List<EpochView> _epochs = new();
    private readonly StepSeries _steps = new();
    private readonly RecentSteps _recent = new();
    private readonly WorkerBoard _workers = new();
    private RunDescription? _run;
    private string _status = Loading;
    private string? _detail;
    private int _registered;
    private int? _stepInEpoch;
    private long _describedAt, _endedAt;
    private long _version;
    private bool _closed;
    private Func<Address, TimeSpan?>? _sinceHeartbeat;
    private TaskCompletionSource _changed = NewChange();

    /// <param name="clock">Now, as a <see cref="Stopwatch"/> timestamp (tests pass their own).</param>
    public DashboardState(Func<long>? clock = null) => _clock = clock ?? Stopwatch.GetTimestamp;

    /// <summary>Counts the changes; a view taken at version v shows every change up to v.</summary>
    public long Version
    {
        get { lock (_gate) return _version; }
    }

    /// <summary>True once <see cref="Close"/> was called: no more changes come.</summary>
    public bool Closed
    {
        get { lock (_gate) return _closed; }
    }

    /// <summary>The run's description, once its data is loaded: the status becomes "waiting" until the first step.</summary>
    public void Describe(RunDescription run) => Change(() =>
    {
        _run = run;
        _describedAt = _clock();
        (_status, _detail) = (Waiting, "starting the workers");
    });

    /// <summary>Applies one of the coordinator's events or a cluster event; others are ignored.</summary>
    public void Apply(object e)
    {
        switch (e)
        {
            case StepsCompleted { Steps.Count: > 0 } steps:
                Change(() =>
                {
                    foreach (var step in steps.Steps)
                    {
                        _steps.Add(step);
                        _recent.Add(step);
                        _workers.Computed(step);
                    }
                    _stepInEpoch = steps.Steps[^1].StepInEpoch + 1;
                    if (_status is Loading or Waiting) (_status, _detail) = (Training, null);
                });
                break;
            case EpochCompleted { Report: var report }:
                Change(() => _epochs.Add(EpochView.Of(report)));
                break;
            case WorkersChanged changed:
                Change(() =>
                {
                    _workers.Registered(changed.Workers);
                    _registered = changed.Workers.Count;
                });
                break;
            case WaitingForWorkers waiting:
                Change(() => (_status, _detail) = (Waiting, waiting.ToString()));
                break;
            case TrainingFinished finished:
                Change(() => End(Finished, $"{finished.Reason}; {Count(finished.Epochs, "epoch")}, {Count(finished.Steps, "step")}"));
                break;
            case TrainingFailed failed:
                Change(() => End(Failed, failed.Reason));
                break;
            case IClusterDomainEvent member:
                Change(() => _workers.Member(member));
                break;
        }
    }

    /// <summary>Cluster mode: where the worker nodes' last heartbeats are read (the leader's <see cref="Dpt.Cluster.Cluster.SinceHeartbeat"/>,
    /// which any thread may call).</summary>
    public void FollowHeartbeats(Func<Address, TimeSpan?> sinceHeartbeat) => Change(() => _sinceHeartbeat = sinceHeartbeat);

    /// <summary>Marks the run failed unless it already ended (the command line ended it some other way).</summary>
    public void Abandon(string reason) => Change(() =>
    {
        if (_status is not (Finished or Failed)) End(Failed, reason);
    });

    /// <summary>No more changes: the event stream sends what it has not sent and ends.</summary>
    public void Close() => Change(() => _closed = true);

    /// <summary>Completes when the version differs from <paramref name="seen"/> (at once if it already does).</summary>
    public Task WhenChangedAsync(long seen, CancellationToken cancellation)
    {
        lock (_gate) return _version != seen ? Task.CompletedTask : _changed.Task.WaitAsync(cancellation);
    }

    public RunView Run()
    {
        lock (_gate) return RunLocked();
    }

    public IReadOnlyList<EpochView> Epochs(int from = 0)
    {
        lock (_gate) return _epochs.Skip(from).ToArray();
    }

    /// <param name="last">Only the last this many steps; null for the whole run.</param>
    /// <param name="max">At most this many points.</param>
    public StepsView Steps(long? last, int max)
    {
        lock (_gate) return StepsLocked(last, max);
    }

    public IReadOnlyList<WorkerView> Workers()
    {
        lock (_gate) return _workers.View(_recent.Summarize(), _clock(), _sinceHeartbeat);
    }

    /// <summary>Everything at one version: the epochs from <paramref name="epochsFrom"/> on and the whole run's steps in at most
    /// <paramref name="maxPoints"/> points; <c>Closed</c> says that no version comes after this one.</summary>
    public (DashboardUpdate Update, long Version, bool Closed) Update(int epochsFrom, int maxPoints)
    {
        lock (_gate)
        {
            int from = Math.Min(epochsFrom, _epochs.Count);
            var update = new DashboardUpdate(RunLocked(), from, _epochs.Skip(from).ToArray(), StepsLocked(null, maxPoints),
                _workers.View(_recent.Summarize(), _clock(), _sinceHeartbeat));
            return (update, _version, _closed);
        }
    }

    private RunView RunLocked()
    {
        var recent = _recent.Summarize();
        var last = _steps.Last;
        var split = recent.Steps == 0 ? null
            : new SplitView(recent.MeanStepSeconds * 1e3, recent.MeanComputeSeconds * 1e3, recent.MeanStragglerSeconds * 1e3,
                recent.MeanOptimizerSeconds * 1e3, recent.MeanCommunicationSeconds * 1e3);
        double elapsed = _describedAt == 0 ? 0 : Stopwatch.GetElapsedTime(_describedAt, _endedAt != 0 ? _endedAt : _clock()).TotalSeconds;
        return new RunView(_status, _detail, _run, _epochs.Count == 0 ? _run?.StartEpoch ?? 0 : _epochs[^1].Epoch, last is { } l ? l.LastStep + 1 : 0,
            _stepInEpoch, _registered, recent.SamplesPerSecond, split, last is { } p ? DashboardJson.Finite(p.MeanLoss) : null,
            last?.LearningRate, elapsed);
    }

    private StepsView StepsLocked(long? last, int max) =>
        new(_steps.Count, _steps.Query(last, max).Select(StepPointView.Of).ToArray());

    private void End(string status, string detail)
    {
        (_status, _detail) = (status, detail);
        _endedAt = _clock();
    }

    private void Change(Action change)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (_closed) return;
            change();
            _version++;
            changed = _changed;
            _changed = NewChange();
        }
        changed.TrySetResult(); // waiters continue elsewhere (RunContinuationsAsynchronously), never on the caller's thread
    }

    private static string Count(long n, string unit) => $"{n} {unit}{(n == 1 ? "" : "s")}";

    private static TaskCompletionSource NewChange() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
