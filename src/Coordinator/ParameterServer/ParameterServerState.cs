// The state and rules of one parameter-server shard, free of any actor: which pushed gradients count for
// the current step, and how an applied step updates the shard's range of the parameters. A step is applied
// once the accepted pushes cover its batch exactly; a push that overlaps an accepted one (a reassigned
// shard of the batch whose first worker answered after all) is refused, so every sample counts once and no
// step twice. Shards of one server share the parameter and optimizer-state buffers, each updating its range.
using System.Diagnostics;
using System.Numerics.Tensors;
using Dpt.Model;
using Dpt.Optimization;
using Dpt.Remoting;
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

    /// <param name="parameters">The whole initial (or restored) parameter buffer; this shard updates its range of it.</param>
    /// <param name="version">Steps applied so far: 0 for a new run, the checkpoint's step count on resume.</param>
    /// <param name="offset">Start of this shard's range of the flat buffer.</param>
    /// <param name="count">Length of the range; null for the rest of the buffer.</param>
    public ParameterServerState(ParameterLayout layout, float[] parameters, Optimizer optimizer, OptimizerState optimizerState,
        LearningRateSchedule schedule, GradientClipping? clipping, int stepsPerEpoch, long version = 0, int offset = 0, int? count = null)
    {
        _layout = layout ?? throw new ArgumentNullException(nameof(layout));
        if (parameters.Length != layout.Length)
            throw new ArgumentException($"parameters have {parameters.Length} elements; the layout has {layout.Length}", nameof(parameters));
        if (optimizerState.ParameterCount != layout.Length)
            throw new ArgumentException($"optimizer state is for {optimizerState.ParameterCount} parameters; the layout has {layout.Length}", nameof(optimizerState));
        if (stepsPerEpoch <= 0) throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "must be positive");
        if (version < 0) throw new ArgumentOutOfRangeException(nameof(version), version, "must be non-negative");
        int length = count ?? layout.Length - offset;
        if (offset < 0 || length <= 0 || offset + length > layout.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"range [{offset},{offset + length}) must be non-empty and inside the {layout.Length} parameters");
        if (clipping is not null && length != layout.Length)
            throw new ArgumentException("clipping by global norm needs the whole buffer in one parameter-server shard", nameof(clipping));
        Offset = offset;
        Count = length;
        Parameters = parameters;
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        _optimizerState = optimizerState;
        _schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
        _clipping = clipping;
        _stepsPerEpoch = stepsPerEpoch;
        Version = version;
    }

    /// <summary>The whole parameter buffer; <see cref="ApplyStep"/> updates [<see cref="Offset"/>, +<see cref="Count"/>) in place.</summary>
    public float[] Parameters { get; }

    /// <summary>Start of this shard's range of the flat buffer.</summary>
    public int Offset { get; }

    /// <summary>Length of this shard's range.</summary>
    public int Count { get; }

    /// <summary>This shard's range of the parameters, as published to workers.</summary>
    public ReadOnlyMemory<float> Range => Parameters.AsMemory(Offset, Count);

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

    /// <summary>Counts <paramref name="push"/> towards the current step, or refuses it; a refused gradient received from
    /// another process goes back to the receive pool at once, an accepted one after <see cref="ApplyStep"/>.</summary>
    public PushOutcome Accept(PushGradients push)
    {
        var outcome = Admit(push);
        if (outcome is not (PushOutcome.Accepted or PushOutcome.Completed)) ReceiveBuffers.Return(push.Gradient);
        return outcome;
    }

    private PushOutcome Admit(PushGradients push)
    {
        if (push.Step != Version || push.Version != Version) return PushOutcome.Stale;
        if (push.Offset != Offset || push.Gradient.Length != Count) return PushOutcome.Invalid;
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
        var (gradient, gradient2) = SumInShardOrder();
        float scale = 1f / batch.Count;
        if (_clipping is not null) scale = _clipping.ClippedScale(GradientClipping.SumOfSquares(gradient.Span), scale);
        float lr = _schedule.At(Version, _stepsPerEpoch);
        _optimizer.UpdateRangeFrom(_layout, Parameters, gradient.Span, gradient2.Span, _optimizerState, Offset, Count, new UpdateStep(Version, lr, scale));

        var metrics = default(BatchMetrics);
        var shards = new ShardReport[_pushes.Count];
        for (int i = 0; i < _pushes.Count; i++)
        {
            metrics += _pushes[i].Metrics;
            shards[i] = new ShardReport(_pushes[i].Worker, _pushes[i].Shard, _pushes[i].Timing);
        }
        var applied = new AppliedStep(Version, Version + 1, metrics, shards, lr);
        Version++;
        // Gradients received from other processes go back to the receive pool; local ones are the workers' own.
        foreach (var push in _pushes) ReceiveBuffers.Return(push.Gradient);
        _pushes.Clear();
        _batch = null;
        _covered = 0;
        return applied;
    }

    /// <summary>Copies of this shard's range of the parameters and optimizer state, for a checkpoint.</summary>
    public Snapshot TakeSnapshot() =>
        new(Version, Offset, Parameters.AsSpan(Offset, Count).ToArray(), _optimizerState.Export().Select(s => s.AsSpan(Offset, Count).ToArray()).ToArray());

    /// <summary>
    /// The gradients to apply, added in shard order so the result does not depend on arrival order: one push
    /// is used as it is, and the last two are handed to the optimizer, which adds them in its own pass; only
    /// the pushes before those (three or more workers) are summed into a buffer here. With clipping the whole
    /// sum is needed first, for its norm.
    /// </summary>
    private (ReadOnlyMemory<float> First, ReadOnlyMemory<float> Second) SumInShardOrder()
    {
        int n = _pushes.Count;
        if (n == 1) return (_pushes[0].Gradient, default);
        if (n == 2 && _clipping is null) return (_pushes[0].Gradient, _pushes[1].Gradient);
        _sum ??= new float[Count];
        int summed = _clipping is null ? n - 1 : n;
        TensorPrimitives.Add(_pushes[0].Gradient.Span, _pushes[1].Gradient.Span, _sum);
        for (int i = 2; i < summed; i++) TensorPrimitives.Add(_sum, _pushes[i].Gradient.Span, _sum);
        return summed == n ? (_sum, default) : (_sum, _pushes[n - 1].Gradient);
    }
}
