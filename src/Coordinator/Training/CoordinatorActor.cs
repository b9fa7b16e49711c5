// The coordinator actor: each step it splits the global batch into shards for the workers, and after
// each epoch it has the held-out sets scored, takes a checkpoint and reports to its listener. It hands
// out ranges of positions, never samples. The bookkeeping lives in CoordinatorState.
using System.Diagnostics;
using System.Numerics.Tensors;
using Dpt.Actors;
using Dpt.Coordinator.Timeline;
using Dpt.Model;
using Dpt.Training;
using Microsoft.Extensions.Logging;
using static Dpt.Coordinator.Training.CoordinatorProtocol;
using static Dpt.Training.ParameterServerProtocol;
using static Dpt.Training.TrainingEvents;
using static Dpt.Training.WorkerProtocol;

namespace Dpt.Coordinator.Training;

public sealed class CoordinatorActor : ReceiveActor
{
    private readonly CoordinatorState _state;
    private readonly IReadOnlyList<IActorRef> _parameterServers;
    private readonly int _parameterCount;
    private readonly IActorRef _listener;
    // The reports of the current step so far, by parameter-server shard: the step is applied once every shard reported it.
    private readonly StepApplied?[] _applied;
    private int _appliedCount;
    private readonly List<Snapshot> _snapshots = new();
    private List<StepCompleted> _steps = new();
    private long _lastReport;
    private readonly Dictionary<string, IActorRef> _workers = new();
    private readonly Dictionary<IActorRef, string> _names = new();
    private readonly Dictionary<string, long> _incarnations = new();
    private long _runStart, _epochStart, _stepStart;
    private double _epochTrainSeconds;
    private long _epochSamples;
    private float _learningRate;
    private EvaluationSet _evaluating;
    private BatchMetrics? _test, _validation;
    private string? _stopReason;
    private readonly RunTimeline? _timeline;

    /// <param name="parameterServers">The parameter-server shards; a step is applied when every one reports it.</param>
    /// <param name="parameterCount">Length of the flat parameter buffer the shards cover together.</param>
    /// <param name="timeline">Where to record each step (--timeline), and place the spans of workers in other processes; null records none.</param>
    public CoordinatorActor(CoordinatorState state, IReadOnlyList<IActorRef> parameterServers, int parameterCount, IActorRef listener,
        RunTimeline? timeline = null)
    {
        _state = state;
        _timeline = timeline;
        _parameterServers = parameterServers;
        _parameterCount = parameterCount;
        _listener = listener;
        _applied = new StepApplied?[parameterServers.Count];
        WaitingForWorkers();
    }

    public static Props Props(CoordinatorState state, IReadOnlyList<IActorRef> parameterServers, int parameterCount, IActorRef listener,
        string dispatcher = Dispatchers.Pinned, RunTimeline? timeline = null) =>
        Actors.Props.Create(() => new CoordinatorActor(state, parameterServers, parameterCount, listener, timeline)).WithDispatcher(dispatcher);

    private void WaitingForWorkers()
    {
        Receive<RegisterWorker>(r => { Join(r); StartWhenReady(); });
        Receive<Terminated>(t => Lose(t.ActorRef));
        Receive<StopTraining>(s => Finish(s.Reason));
    }

    private void Training()
    {
        Receive<StepApplied>(OnStepApplied);
        Receive<RegisterWorker>(Join);
        Receive<Terminated>(t => Lose(t.ActorRef));
        Receive<StopTraining>(s => _stopReason = s.Reason);
    }

    private void Evaluating()
    {
        Receive<ShardEvaluated>(OnShardEvaluated);
        Receive<RegisterWorker>(Join);
        Receive<Terminated>(t => Lose(t.ActorRef));
        Receive<StopTraining>(s => _stopReason = s.Reason);
    }

    private void Checkpointing()
    {
        Receive<Snapshot>(OnSnapshot);
        Receive<RegisterWorker>(Join);
        Receive<Terminated>(t => Lose(t.ActorRef));
        Receive<StopTraining>(s => _stopReason = s.Reason);
    }

    private void Finished()
    {
        Receive<RegisterWorker>(r => Log.LogInformation("{Worker} joined after training finished", r.Name));
        Receive<Terminated>(_ => { });
        Receive<StopTraining>(_ => { });
    }

    private void StartWhenReady()
    {
        if (_state.Workers.Count < _state.Plan.MinWorkers)
        {
            Report(new WaitingForWorkers(_state.Workers.Count, _state.Plan.MinWorkers));
            return;
        }
        _runStart = _epochStart = Stopwatch.GetTimestamp();
        if (_state.Finished)
        {
            Finish("nothing left to train");
            return;
        }
        Become(Training);
        StartStep();
    }

    private void StartStep()
    {
        _stepStart = Stopwatch.GetTimestamp();
        var shards = _state.BeginStep();
        var begin = new BeginStep(_state.Step, _state.Plan.BatchOf(_state.StepInEpoch));
        foreach (var server in _parameterServers) server.Tell(begin, Self);
        Send(shards);
    }

    private void OnStepApplied(StepApplied report)
    {
        // Every shard reports the step once, with its own count of the shards; the step is applied once all have.
        if (report.Step != _state.Step) return;
        int server = IndexOf(Sender);
        if (server < 0 || _applied[server] is not null)
        {
            Log.LogWarning("coordinator ignores {Report} from {Sender}: not a parameter-server shard, or one that already reported it", report, Sender.Path);
            return;
        }
        _applied[server] = report;
        if (++_appliedCount < _applied.Length) return;
        double applySeconds = 0;
        foreach (var a in _applied) applySeconds = Math.Max(applySeconds, a!.ApplySeconds);
        var applied = _applied[0]! with { ApplySeconds = applySeconds };
        Array.Clear(_applied);
        _appliedCount = 0;
        if (!_state.CompleteStep(applied))
        {
            Log.LogError("coordinator refuses {Applied}: its shards do not cover the batch of step {Step} exactly", applied, _state.Step);
            return;
        }
        long appliedAt = Stopwatch.GetTimestamp();
        double stepSeconds = Stopwatch.GetElapsedTime(_stepStart, appliedAt).TotalSeconds;
        _timeline?.StepApplied(applied, _stepStart, appliedAt);
        _epochTrainSeconds += stepSeconds;
        _epochSamples += applied.Metrics.Count;
        _learningRate = applied.LearningRate;
        _steps.Add(new StepCompleted(applied.Step, _state.Epoch, _state.StepInEpoch - 1, _state.Plan.StepsPerEpoch,
            applied.Metrics, applied.LearningRate, Times(stepSeconds, applied), _state.Workers.Count, Stopwatch.GetTimestamp()) { Shards = applied.Shards });
        if (!double.IsFinite(applied.Metrics.LossSum))
        {
            Diverge(applied.Step, $"the training loss of step {applied.Step} (epoch {_state.Epoch + 1}) is {NotFinite(applied.Metrics.LossSum)}");
            return;
        }
        if (Stopwatch.GetElapsedTime(_lastReport) >= ReportInterval) Report(null);
        if (!_state.EpochDone && _stopReason is null) StartStep();
        else if (_state.EpochDone) Evaluate(EvaluationSet.Test);
        else TakeCheckpoint(); // stopped inside an epoch: checkpoint where it stands, no epoch to report
    }

    private int IndexOf(IActorRef server)
    {
        for (int k = 0; k < _parameterServers.Count; k++)
            if (_parameterServers[k].Equals(server)) return k;
        return -1;
    }

    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Sends the listener the steps applied since the last report, then <paramref name="next"/> if any.</summary>
    private void Report(object? next)
    {
        if (_steps.Count > 0)
        {
            _listener.Tell(new StepsCompleted(_steps), Self);
            _steps = new List<StepCompleted>();
        }
        _lastReport = Stopwatch.GetTimestamp();
        if (next is not null) _listener.Tell(next, Self);
    }

    private static StepTimes Times(double stepSeconds, StepApplied applied)
    {
        double slowest = 0, sum = 0;
        foreach (var shard in applied.Shards)
        {
            slowest = Math.Max(slowest, shard.Timing.ComputeSeconds);
            sum += shard.Timing.ComputeSeconds;
        }
        return new StepTimes(stepSeconds, slowest, applied.Shards.Count == 0 ? 0 : sum / applied.Shards.Count, applied.ApplySeconds);
    }

    /// <summary>Scores the test set, then the validation set, whichever exist, then takes the checkpoint.</summary>
    private void Evaluate(EvaluationSet set)
    {
        int count = set == EvaluationSet.Test ? _state.Plan.TestCount : _state.Plan.ValidationCount;
        if (count == 0)
        {
            if (set == EvaluationSet.Test) Evaluate(EvaluationSet.Validation);
            else TakeCheckpoint();
            return;
        }
        _evaluating = set;
        Become(Evaluating);
        Send(_state.BeginEvaluation(set, count, _state.Step));
    }

    private void OnShardEvaluated(ShardEvaluated reply)
    {
        if (_state.CompleteEvaluation(reply) is not { } total) return;
        if (_evaluating == EvaluationSet.Test)
        {
            _test = total;
            Evaluate(EvaluationSet.Validation);
        }
        else
        {
            _validation = total;
            TakeCheckpoint();
        }
    }

    private void TakeCheckpoint()
    {
        Become(Checkpointing);
        _snapshots.Clear();
        foreach (var server in _parameterServers) server.Tell(TakeSnapshot.Instance, Self);
    }

    private void OnSnapshot(Snapshot part)
    {
        _snapshots.Add(part);
        if (_snapshots.Count < _parameterServers.Count) return;
        var snapshot = Snapshot.Join(_snapshots, _parameterCount);
        _snapshots.Clear();
        var train = _state.EpochMetrics;
        double elapsed = _state.Plan.ElapsedBefore + Stopwatch.GetElapsedTime(_runStart).TotalSeconds;
        if (_state.EpochDone)
        {
            var report = new EpochReport(_state.Epoch, _state.Step, train.MeanLoss, train.Accuracy,
                _test?.MeanLoss, _test?.Accuracy, _validation?.MeanLoss, _validation?.Accuracy,
                _epochTrainSeconds > 0 ? _epochSamples / _epochTrainSeconds : 0, Stopwatch.GetElapsedTime(_epochStart).TotalSeconds,
                elapsed, _learningRate, _state.Workers.Count);
            Report(new EpochCompleted(report));
        }
        // A step with a finite loss can still make the parameters infinite (an overflowing update); such a checkpoint
        // would overwrite the last good one.
        if (TensorPrimitives.IndexOfMaxMagnitude<float>(snapshot.Parameters) is int at and >= 0
            && !float.IsFinite(snapshot.Parameters[at]))
        {
            Diverge(_state.Step - 1, $"the parameters after step {_state.Step - 1} (epoch {_state.Epoch + 1}) are not all finite numbers (parameter {at} is {NotFinite(snapshot.Parameters[at])})");
            return;
        }
        bool reachedTarget = _state.Plan.StopAtAccuracy is { } target && _test is { } test && test.Accuracy >= target;
        _state.NextEpoch();
        Report(new CheckpointReady(_state.Epoch, _state.StepInEpoch, _state.Step, elapsed, snapshot));
        (_test, _validation, _epochTrainSeconds, _epochSamples) = (null, null, 0, 0);
        _epochStart = Stopwatch.GetTimestamp();

        if (_stopReason is not null) Finish(_stopReason, snapshot);
        else if (reachedTarget) Finish($"test accuracy reached {_state.Plan.StopAtAccuracy * 100:0.##}%", snapshot);
        else if (_state.Finished) Finish(_state.Plan.MaxSteps is { } max && _state.Step >= max ? $"{max} steps done" : $"{_state.Plan.Epochs} epoch{(_state.Plan.Epochs == 1 ? "" : "s")} done", snapshot);
        else
        {
            Become(Training);
            StartStep();
        }
    }

    /// <summary>Ends a run whose loss or parameters are no longer finite numbers: they never become finite again, so every
    /// later step would be wasted, and its checkpoint would replace the last good one.</summary>
    private void Diverge(long step, string problem)
    {
        Become(Finished);
        Log.LogWarning("training diverged: {Problem}", problem);
        Report(new TrainingFailed($"training diverged: {problem}", step));
    }

    private static string NotFinite(double value) => double.IsNaN(value) ? "NaN" : "infinite";

    private void Finish(string reason, Snapshot? final = null)
    {
        Become(Finished);
        double elapsed = _state.Plan.ElapsedBefore + (_runStart == 0 ? 0 : Stopwatch.GetElapsedTime(_runStart).TotalSeconds);
        if (final is null) Report(new TrainingFailed($"training stopped before it began: {reason}"));
        else Report(new TrainingFinished(_state.Epoch, _state.Step, elapsed, reason, final));
    }

    /// <summary>Adds a worker, which gets shards from the next step on (or the current step's, if it waits for one). A
    /// name registered again with another ref, or from another incarnation of its node, is a restarted worker: the
    /// old registration's outstanding work goes to the others (or to the new ref, if it is the only one) and the old
    /// registration is forgotten. Unwatching the old ref also drops a Terminated of it that is already queued, which
    /// would otherwise, the refs being equal, remove the new one.</summary>
    private void Join(RegisterWorker registration)
    {
        var (name, worker) = (registration.Name, registration.Worker);
        bool restarted = false;
        if (_workers.TryGetValue(name, out var old))
        {
            long oldIncarnation = _incarnations[name];
            if (old.Equals(worker) && oldIncarnation == registration.Incarnation) return;
            Context.Unwatch(old);
            _names.Remove(old);
            _workers.Remove(name);
            Log.LogWarning("{Worker} registered again from {Path} (incarnation {Incarnation}): it replaces {Old} (incarnation {OldIncarnation})",
                name, worker.Path, registration.Incarnation, old.Path, oldIncarnation);
            Send(_state.RemoveWorker(name));
            restarted = true;
        }
        _workers[name] = worker;
        _names[worker] = name;
        _incarnations[name] = registration.Incarnation;
        Context.Watch(worker);
        // A worker on another node is subscribed to the parameters from here too. Its own pull may have reached a
        // parameter-server shard before its node's dead incarnation at the same address was downed, and that one's
        // Terminated (the refs are equal) then unsubscribed it; this pull comes after that Terminated, as the
        // membership event that registered the worker came after the downing.
        if (registration.Incarnation != 0)
            foreach (var server in _parameterServers) server.Tell(new PullParameters(worker), Self);
        Send(_state.AddWorker(name));
        Report(new WorkersChanged(_state.Workers.ToList(), restarted ? $"{name} restarted" : $"{name} joined"));
    }

    private void Lose(IActorRef worker)
    {
        if (!_names.Remove(worker, out var name)) return;
        _workers.Remove(name);
        _incarnations.Remove(name);
        Log.LogWarning("{Worker} was lost; its outstanding work goes to the other {Count} workers", name, _state.Workers.Count - 1);
        Send(_state.RemoveWorker(name));
        Report(new WorkersChanged(_state.Workers.ToList(), $"{name} lost"));
        // Before the first step the run waits for its minimum of workers; once begun, one worker lets it go on.
        int required = _runStart == 0 ? _state.Plan.MinWorkers : 1;
        if (_state.Workers.Count < required) Report(new WaitingForWorkers(_state.Workers.Count, required));
    }

    private void Send(IReadOnlyList<(string Worker, object Work)> work)
    {
        foreach (var (worker, message) in work) _workers[worker].Tell(message, Self);
    }
}
