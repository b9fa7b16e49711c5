// The parameter server's state and rules, free of any actor: which pushed gradients count for the
// current step, and how an applied step updates the parameters. A step is applied once the accepted
// shards cover its batch exactly; a push that overlaps an accepted shard (a reassigned shard whose
// first worker answered after all) is refused, so every sample counts once and no step twice.
using System.Diagnostics;
using System.Numerics.Tensors;
using Dpt.Model;
using Dpt.Optimization;
using Dpt.Training;
using static Dpt.Training.ParameterServerProtocol;

namespace Dpt.Coordinator.ParameterServer;

/// <summary>What <see cref="ParameterServerState.Accept"/> made of a push.</summary>
public enum PushOutcome
{
    /// <summary>Counted; the step still misses samples.</summary>
    Accepted,
    /// <summary>Counted, and the step's batch is now covered: call <see cref="ParameterServerState.ApplyStep"/>.</summary>
    Completed,
    /// <summary>For a step already applied, or computed at another parameter version.</summary>
    Stale,
    /// <summary>Its shard overlaps one already counted for this step.</summary>
    Duplicate,
    /// <summary>Its batch differs from the step's batch, or its gradient has the wrong length.</summary>
    Invalid,
}

/// <summary>The result of one applied step.</summary>
public sealed record AppliedStep(long Step, long Version, BatchMetrics Metrics, IReadOnlyList<ShardReport> Shards, float LearningRate);

public sealed class ParameterServerState
{
    private readonly ParameterLayout _layout;
    private readonly Optimizer _optimizer;
    private readonly OptimizerState _optimizerState;
    private readonly LearningRateSchedule _schedule;
    private readonly GradientClipping? _clipping;
    private readonly int _stepsPerEpoch;
    private readonly List<PushGradients> _pushes = new();
    private float[]? _sum;
    private SampleRange? _batch;
    private int _covered;

    /// <param name="parameters">The initial (or restored) parameters; owned by this state from now on.</param>
    /// <param name="version">Steps applied so far: 0 for a new run, the checkpoint's step count on resume.</param>
    public ParameterServerState(ParameterLayout layout, float[] parameters, Optimizer optimizer, OptimizerState optimizerState,
        LearningRateSchedule schedule, GradientClipping? clipping, int stepsPerEpoch, long version = 0)
    {
        _layout = layout ?? throw new ArgumentNullException(nameof(layout));
        if (parameters.Length != layout.Length)
            throw new ArgumentException($"parameters have {parameters.Length} elements; the layout has {layout.Length}", nameof(parameters));
        if (optimizerState.ParameterCount != layout.Length)
            throw new ArgumentException($"optimizer state is for {optimizerState.ParameterCount} parameters; the layout has {layout.Length}", nameof(optimizerState));
        if (stepsPerEpoch <= 0) throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "must be positive");
        if (version < 0) throw new ArgumentOutOfRangeException(nameof(version), version, "must be non-negative");
        Parameters = parameters;
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        _optimizerState = optimizerState;
        _schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
        _clipping = clipping;
        _stepsPerEpoch = stepsPerEpoch;
        Version = version;
    }

    /// <summary>The current parameters, updated in place by <see cref="ApplyStep"/>.</summary>
    public float[] Parameters { get; }

    /// <summary>Number of steps applied; also the index of the step being gathered and the version its gradients must have.</summary>
    public long Version { get; private set; }

    /// <summary>Samples of the current step accepted so far.</summary>
    public int Covered => _covered;

    /// <summary>Fixes the batch of step <paramref name="step"/>; false if that is not the current step or its batch is already another.</summary>
    public bool Begin(long step, SampleRange batch)
    {
        if (step != Version || (_batch is { } known && known != batch)) return false;
        _batch = batch;
        return true;
    }

    public PushOutcome Accept(PushGradients push)
    {
        if (push.Step != Version || push.Version != Version) return PushOutcome.Stale;
        if (push.Gradient.Length != _layout.Length) return PushOutcome.Invalid;
        if (_batch is { } batch && batch != push.Batch) return PushOutcome.Invalid;
        int at = 0;
        for (; at < _pushes.Count && _pushes[at].Shard.Start < push.Shard.Start; at++) { }
        if ((at > 0 && _pushes[at - 1].Shard.Overlaps(push.Shard)) || (at < _pushes.Count && _pushes[at].Shard.Overlaps(push.Shard)))
            return PushOutcome.Duplicate;
        _batch = push.Batch;
        _pushes.Insert(at, push);
        _covered += push.Shard.Count;
        Debug.Assert(_covered <= push.Batch.Count, "accepted shards are disjoint and inside the batch");
        return _covered == push.Batch.Count ? PushOutcome.Completed : PushOutcome.Accepted;
    }

    /// <summary>
    /// Averages the accepted gradients (summed in shard order, so the result does not depend on arrival order),
    /// applies the optimizer at the scheduled learning rate and bumps <see cref="Version"/>.
    /// </summary>
    public AppliedStep ApplyStep()
    {
        if (_batch is not { } batch || _covered != batch.Count)
            throw new InvalidOperationException($"step {Version} is not complete: {_covered} of {_batch?.Count ?? 0} samples pushed");
        ReadOnlySpan<float> gradient = SumInShardOrder();
        float scale = 1f / batch.Count;
        if (_clipping is not null) scale = _clipping.ClippedScale(GradientClipping.SumOfSquares(gradient), scale);
        float lr = _schedule.At(Version, _stepsPerEpoch);
        _optimizer.UpdateRange(_layout, Parameters, gradient, _optimizerState, 0, _layout.Length, new UpdateStep(Version, lr, scale));

        var metrics = default(BatchMetrics);
        var shards = new ShardReport[_pushes.Count];
        for (int i = 0; i < _pushes.Count; i++)
        {
            metrics += _pushes[i].Metrics;
            shards[i] = new ShardReport(_pushes[i].Worker, _pushes[i].Shard, _pushes[i].Timing);
        }
        var applied = new AppliedStep(Version, Version + 1, metrics, shards, lr);
        Version++;
        _pushes.Clear();
        _batch = null;
        _covered = 0;
        return applied;
    }

    /// <summary>Copies of the parameters and optimizer state, for a checkpoint.</summary>
    public Snapshot TakeSnapshot() => new(Version, (float[])Parameters.Clone(), _optimizerState.Export());

    private ReadOnlySpan<float> SumInShardOrder()
    {
        // One worker's gradient is used as it is; several are added into a buffer owned here.
        if (_pushes.Count == 1) return _pushes[0].Gradient.Span;
        _sum ??= new float[_layout.Length];
        TensorPrimitives.Add(_pushes[0].Gradient.Span, _pushes[1].Gradient.Span, _sum);
        for (int i = 2; i < _pushes.Count; i++) TensorPrimitives.Add(_sum, _pushes[i].Gradient.Span, _sum);
        return _sum;
    }
}
