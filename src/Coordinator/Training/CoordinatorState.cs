// The coordinator's bookkeeping, free of any actor: which worker holds which part of the current step
// (or evaluation), how fast each worker is, and where the run stands. A lost worker's outstanding ranges
// go to the others, so a step always completes with its full batch; the parameter server refuses a
// range it already has, so a range given twice is never counted twice.
using Dpt.Model;
using Dpt.Training;
using static Dpt.Training.ParameterServerProtocol;
using static Dpt.Training.WorkerProtocol;

namespace Dpt.Coordinator.Training;

public sealed class CoordinatorState
{
    // A new estimate moves the old one a fifth of the way: smooth enough to ignore one slow step,
    // quick enough to follow a worker whose machine got busy.
    private const double ThroughputSmoothing = 0.2;

    private readonly TrainingPlan _plan;
    private readonly List<string> _workers = new();
    private readonly Dictionary<string, double> _throughput = new();
    private Round? _round;
    private int _nextRequest;

    public CoordinatorState(TrainingPlan plan)
    {
        plan.Validate();
        _plan = plan;
        Epoch = plan.StartEpoch;
        StepInEpoch = plan.StartStepInEpoch;
    }

    public TrainingPlan Plan => _plan;

    /// <summary>Workers in the order they joined.</summary>
    public IReadOnlyList<string> Workers => _workers;

    public int Epoch { get; private set; }
    public int StepInEpoch { get; private set; }

    /// <summary>Index of the current step over the whole run; also the parameter version it is computed at.</summary>
    public long Step => (long)Epoch * _plan.StepsPerEpoch + StepInEpoch;

    /// <summary>Training metrics summed over the current epoch's applied steps.</summary>
    public BatchMetrics EpochMetrics { get; private set; }

    public bool Finished => Epoch >= _plan.Epochs || (_plan.MaxSteps is { } max && Step >= max);

    /// <summary>Samples per second of compute, as measured so far (NaN until a worker's first shard).</summary>
    public double ThroughputOf(string worker) => _throughput.TryGetValue(worker, out var t) ? t : double.NaN;

    /// <summary>Adds a worker; if a round waits for workers, the new one gets the unassigned ranges.</summary>
    public IReadOnlyList<(string Worker, object Work)> AddWorker(string worker)
    {
        if (_workers.Contains(worker)) return [];
        _workers.Add(worker);
        if (_round is null || _round.Unassigned.Count == 0) return [];
        var ranges = _round.Unassigned.ToList();
        _round.Unassigned.Clear();
        return ranges.SelectMany(r => Assign(r)).ToList();
    }

    /// <summary>Removes a worker and hands its outstanding ranges of the current round to the others (or keeps them until one joins).</summary>
    public IReadOnlyList<(string Worker, object Work)> RemoveWorker(string worker)
    {
        if (!_workers.Remove(worker)) return [];
        _throughput.Remove(worker);
        if (_round is null || !_round.Assigned.Remove(worker, out var lost)) return [];
        foreach (var id in _round.Requests.Where(r => r.Value.Worker == worker).Select(r => r.Key).ToList())
            _round.Requests.Remove(id);
        if (_workers.Count == 0)
        {
            _round.Unassigned.AddRange(lost);
            return [];
        }
        return lost.SelectMany(r => Assign(r)).ToList();
    }

    /// <summary>Splits the current step's batch over the workers: one <see cref="ComputeShard"/> per worker with a
    /// non-empty share. With no worker left (the last one was lost after pushing its shard of the previous step) the
    /// batch waits for the next worker to join.</summary>
    public IReadOnlyList<(string Worker, object Work)> BeginStep()
    {
        if (Finished) throw new InvalidOperationException("training is finished; there is no next step");
        if (_round is not null) throw new InvalidOperationException($"{_round.Kind} round still in progress");
        var batch = _plan.BatchOf(StepInEpoch);
        _round = new Round(RoundKind.Step, batch, Step, Epoch, Step, EvaluationSet.Test);
        return _workers.Count == 0 ? Keep(batch) : Assign(batch);
    }

    /// <summary>Records an applied step. Returns false when <paramref name="applied"/> is not for the current step, or its
    /// shards do not cover the step's batch exactly (each sample once), which the parameter server never reports.</summary>
    public bool CompleteStep(StepApplied applied)
    {
        if (_round is not { Kind: RoundKind.Step } round || applied.Step != round.Step) return false;
        if (!Tiles(applied.Shards, round.Range) || applied.Metrics.Count != round.Range.Count) return false;
        foreach (var shard in applied.Shards)
            if (shard.Timing.ComputeSeconds > 0)
                Observe(shard.Worker, shard.Shard.Count / shard.Timing.ComputeSeconds);
        EpochMetrics += applied.Metrics;
        _round = null;
        StepInEpoch++;
        return true;
    }

    /// <summary>True when the current epoch's steps are all applied (or the step limit was reached).</summary>
    public bool EpochDone => StepInEpoch >= _plan.StepsPerEpoch || (_plan.MaxSteps is { } max && Step >= max);

    /// <summary>Clears the epoch's training metrics and, if all its steps are applied, moves to the next epoch
    /// (a run stopped early stays inside its epoch, which is where it resumes).</summary>
    public void NextEpoch()
    {
        if (StepInEpoch >= _plan.StepsPerEpoch)
        {
            Epoch++;
            StepInEpoch = 0;
        }
        EpochMetrics = default;
    }

    /// <summary>Splits a held-out set over the workers for scoring at <paramref name="version"/>.</summary>
    public IReadOnlyList<(string Worker, object Work)> BeginEvaluation(EvaluationSet set, int count, long version)
    {
        if (_round is not null) throw new InvalidOperationException($"{_round.Kind} round still in progress");
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "nothing to evaluate");
        var all = new SampleRange(0, count);
        _round = new Round(RoundKind.Evaluation, all, -1, Epoch, version, set);
        return _workers.Count == 0 ? Keep(all) : Assign(all);
    }

    /// <summary>Records a scored range; returns the set's totals once every range is in, else null.</summary>
    public BatchMetrics? CompleteEvaluation(ShardEvaluated reply)
    {
        if (_round is not { Kind: RoundKind.Evaluation } round || !round.Requests.Remove(reply.Request, out var request)) return null;
        if (round.Assigned.TryGetValue(request.Worker, out var ranges))
        {
            ranges.Remove(request.Range);
            if (ranges.Count == 0) round.Assigned.Remove(request.Worker);
        }
        round.Total += reply.Metrics;
        if (round.Assigned.Count > 0 || round.Unassigned.Count > 0) return null;
        _round = null;
        return round.Total;
    }

    /// <summary>True when the shards are disjoint and together cover <paramref name="batch"/> exactly.</summary>
    private static bool Tiles(IReadOnlyList<ShardReport> shards, SampleRange batch)
    {
        Span<SampleRange> sorted = shards.Count <= 64 ? stackalloc SampleRange[shards.Count] : new SampleRange[shards.Count];
        for (int i = 0; i < shards.Count; i++) sorted[i] = shards[i].Shard;
        sorted.Sort(static (x, y) => x.Start.CompareTo(y.Start));
        int at = batch.Start;
        foreach (var shard in sorted)
        {
            if (shard.Start != at || shard.Count == 0) return false;
            at = shard.End;
        }
        return at == batch.End;
    }

    private IReadOnlyList<(string Worker, object Work)> Keep(SampleRange range)
    {
        _round!.Unassigned.Add(range);
        return [];
    }

    private IReadOnlyList<(string Worker, object Work)> Assign(SampleRange range)
    {
        var round = _round!;
        Span<double> weights = stackalloc double[_workers.Count];
        for (int i = 0; i < _workers.Count; i++)
            weights[i] = _plan.Balance == ShardSplit.Equal ? 1 : ThroughputOf(_workers[i]);
        Span<int> counts = stackalloc int[_workers.Count];
        ShardPlanner.Split(range.Count, weights, counts);
        var work = new List<(string, object)>(_workers.Count);
        int start = range.Start;
        for (int i = 0; i < _workers.Count; i++)
        {
            if (counts[i] == 0) continue;
            var part = new SampleRange(start, counts[i]);
            start += counts[i];
            if (!round.Assigned.TryGetValue(_workers[i], out var list)) round.Assigned[_workers[i]] = list = new List<SampleRange>();
            list.Add(part);
            if (round.Kind == RoundKind.Step)
                work.Add((_workers[i], new ComputeShard(round.Step, round.Epoch, round.Version, round.Range, part)));
            else
            {
                int id = _nextRequest++;
                round.Requests[id] = (_workers[i], part);
                work.Add((_workers[i], new EvaluateShard(id, round.Version, round.Set, part)));
            }
        }
        return work;
    }

    private void Observe(string worker, double samplesPerSecond)
    {
        if (!_workers.Contains(worker)) return;
        _throughput[worker] = _throughput.TryGetValue(worker, out var old)
            ? old + ThroughputSmoothing * (samplesPerSecond - old)
            : samplesPerSecond;
    }

    private enum RoundKind { Step, Evaluation }

    /// <summary>Work handed out and not yet known to be done: a step's shards, or an evaluation's ranges.</summary>
    private sealed class Round(RoundKind kind, SampleRange range, long step, int epoch, long version, EvaluationSet set)
    {
        public RoundKind Kind { get; } = kind;
        public SampleRange Range { get; } = range;
        public long Step { get; } = step;
        public int Epoch { get; } = epoch;
        public long Version { get; } = version;
        public EvaluationSet Set { get; } = set;
        public Dictionary<string, List<SampleRange>> Assigned { get; } = new();
        public List<SampleRange> Unassigned { get; } = new();
        public Dictionary<int, (string Worker, SampleRange Range)> Requests { get; } = new();
        public BatchMetrics Total { get; set; }
    }
}
