// A worker's arithmetic, free of any actor: gathers a shard's samples in the epoch's order and computes
// their summed gradient, or scores a range of a held-out set. The epoch order is a pure function of
// (seed, epoch), so each worker derives it locally and the coordinator never ships samples.
using System.Diagnostics;
using Dpt.Data;
using Dpt.Model;
using Dpt.Training;

namespace Dpt.Worker;

public sealed class ShardComputer
{
    private readonly Mlp _mlp;
    private readonly Dataset _train;
    private readonly Dataset? _test;
    private readonly Dataset? _validation;
    private readonly ulong _seed;
    private readonly MlpWorkspace _workspace;
    private readonly float[] _features;
    private readonly int[] _labels;
    private readonly float[] _targets;
    private readonly int[] _indices;
    private readonly Frontier _frontier = new();
    private int[] _order = [];
    private int _orderEpoch = -1;

    /// <param name="chunk">Largest number of samples run through the network at once; shards are cut into chunks of this size.</param>
    public ShardComputer(Mlp mlp, Dataset train, Dataset? test, Dataset? validation, ulong seed, int chunk)
    {
        _mlp = mlp ?? throw new ArgumentNullException(nameof(mlp));
        _train = train ?? throw new ArgumentNullException(nameof(train));
        foreach (var set in new[] { train, test, validation })
            if (set is not null && set.FeatureCount != mlp.Spec.Inputs)
                throw new ArgumentException($"data set '{set.Name}' has {set.FeatureCount} features; the model takes {mlp.Spec.Inputs} inputs");
        if (chunk <= 0) throw new ArgumentOutOfRangeException(nameof(chunk), chunk, "must be positive");
        _test = test;
        _validation = validation;
        _seed = seed;
        _workspace = new MlpWorkspace(mlp.Spec, chunk);
        _features = new float[chunk * mlp.Spec.Inputs];
        _labels = new int[chunk];
        _targets = train.Task == DatasetTask.Regression ? new float[chunk * mlp.Spec.Outputs] : [];
        _indices = new int[chunk];
    }

    /// <summary>
    /// The most samples a local-mode worker runs through the network at once: a larger shard is cut into even chunks
    /// of at most this many, whose activations and inputs stay in the core's L2. One pass of 512 samples ran 10-15%
    /// slower per sample than four of 128 (reference model, this project's 2-core machine).
    /// </summary>
    public const int PreferredChunk = 128;

    /// <summary>The chunk size for shards of a global batch of <paramref name="batch"/> samples.</summary>
    public static int ChunkFor(int batch) => Math.Clamp(batch, 1, PreferredChunk);

    /// <summary>The next chunk of <paramref name="remaining"/> samples cut into as few chunks of at most
    /// <paramref name="chunk"/> as possible, as evenly as possible (130 in chunks of 128 is 65 and 65, not 128 and 2).</summary>
    public static int NextChunk(int remaining, int chunk)
    {
        int left = (remaining + chunk - 1) / chunk;
        return (remaining + left - 1) / left;
    }

    public Mlp Model => _mlp;

    /// <summary>
    /// Writes into <paramref name="gradient"/> the loss gradient summed over positions <paramref name="shard"/>
    /// of epoch <paramref name="epoch"/>'s order of the training set, computed at <paramref name="parameters"/>.
    /// </summary>
    public BatchMetrics ComputeGradient(ReadOnlySpan<float> parameters, int epoch, SampleRange shard, Span<float> gradient) =>
        ComputeGradient(parameters, epoch, shard, gradient, out _);

    /// <param name="forwardTicks">Stopwatch ticks of the call spent gathering, forward and loss; the rest was backward.</param>
    /// <param name="sink">Told during the last chunk's backward pass as each part of the gradient becomes final; null for none.</param>
    public BatchMetrics ComputeGradient(ReadOnlySpan<float> parameters, int epoch, SampleRange shard, Span<float> gradient, out long forwardTicks,
        IShardGradientSink? sink = null)
    {
        if (shard.End > _train.Count)
            throw new ArgumentOutOfRangeException(nameof(shard), shard, $"the training set has {_train.Count} samples");
        ReadOnlySpan<int> order = EpochOrderFor(epoch);
        var metrics = default(BatchMetrics);
        forwardTicks = 0;
        for (int start = shard.Start, n; start < shard.End; start += n)
        {
            long began = Stopwatch.GetTimestamp();
            n = NextChunk(shard.End - start, _indices.Length);
            var targets = Gather(_train, order.Slice(start, n));
            metrics += _mlp.ForwardLoss(parameters, _features, targets, n, _workspace);
            forwardTicks += Stopwatch.GetTimestamp() - began;
            // Only the last chunk's backward finishes the sum; by then every chunk's loss is known.
            bool last = start + n >= shard.End;
            _frontier.Sink = last ? sink : null;
            _frontier.Metrics = metrics;
            _frontier.ForwardTicks = forwardTicks;
            _mlp.Backward(parameters, _features, n, _workspace, gradient, accumulate: start > shard.Start, frontier: _frontier.Sink is null ? null : _frontier);
        }
        _frontier.Sink = null;
        return metrics;
    }

    /// <summary>Passes backward's progress on to the shard's sink, with what the sink needs to push a range.</summary>
    private sealed class Frontier : IGradientFrontier
    {
        public IShardGradientSink? Sink;
        public BatchMetrics Metrics;
        public long ForwardTicks;

        public ReadOnlySpan<int> Cuts => Sink!.Cuts;

        public void Reached(int offset) => Sink!.Ready(offset, Metrics, ForwardTicks);
    }

    /// <summary>Loss and correct predictions over positions <paramref name="range"/> of a held-out set (in its stored order).</summary>
    public BatchMetrics Evaluate(ReadOnlySpan<float> parameters, EvaluationSet set, SampleRange range)
    {
        var data = Held(set);
        if (range.End > data.Count)
            throw new ArgumentOutOfRangeException(nameof(range), range, $"the {set} set has {data.Count} samples");
        var metrics = default(BatchMetrics);
        for (int start = range.Start; start < range.End; start += _indices.Length)
        {
            int n = Math.Min(_indices.Length, range.End - start);
            for (int i = 0; i < n; i++) _indices[i] = start + i;
            var targets = Gather(data, _indices.AsSpan(0, n));
            metrics += _mlp.Evaluate(parameters, _features, targets, n, _workspace);
        }
        return metrics;
    }

    /// <summary>Number of samples in a held-out set, or 0 when the worker has none.</summary>
    public int Count(EvaluationSet set) => (set == EvaluationSet.Test ? _test : _validation)?.Count ?? 0;

    private Dataset Held(EvaluationSet set) =>
        (set == EvaluationSet.Test ? _test : _validation)
        ?? throw new InvalidOperationException($"this worker holds no {set.ToString().ToLowerInvariant()} set");

    private ReadOnlySpan<int> EpochOrderFor(int epoch)
    {
        if (epoch != _orderEpoch)
        {
            if (_order.Length != _train.Count) _order = new int[_train.Count];
            EpochOrder.Fill(_order, _seed, epoch);
            _orderEpoch = epoch;
        }
        return _order;
    }

    private BatchTargets Gather(Dataset data, ReadOnlySpan<int> indices)
    {
        int n = indices.Length;
        if (data.Task == DatasetTask.Regression)
        {
            data.GatherBatch(indices, _features.AsSpan(0, n * data.FeatureCount), _targets.AsSpan(0, n * data.TargetCount));
            return BatchTargets.FromValues(_targets.AsSpan(0, n * data.TargetCount));
        }
        data.GatherBatch(indices, _features.AsSpan(0, n * data.FeatureCount), _labels.AsSpan(0, n));
        return BatchTargets.FromLabels(_labels.AsSpan(0, n));
    }
}
