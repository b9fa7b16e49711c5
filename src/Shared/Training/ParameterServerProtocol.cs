// Messages of the parameter server: workers push gradients and pull parameters; it publishes each
// new version to its subscribers and reports each applied step to the coordinator.
using Dpt.Actors;
using Dpt.Model;

namespace Dpt.Training;

/// <summary>How long a worker spent on one shard, measured by the worker. The phases follow one another from the
/// moment it received the shard, so a timeline can place them from that moment alone, without synchronised clocks.</summary>
/// <param name="WaitSeconds">From receiving the shard to having the parameters it needs.</param>
/// <param name="ComputeSeconds">Gathering the samples, forward and backward.</param>
public readonly record struct ShardTiming(double WaitSeconds, double ComputeSeconds)
{
    /// <summary>The first part of <see cref="ComputeSeconds"/>: gathering the samples, forward and loss; the rest is
    /// backward. 0 from a worker that does not split them.</summary>
    public double ForwardSeconds { get; init; }

    /// <summary>The step of the worker's previous push, whose sending took <see cref="SentSeconds"/>: that is known only
    /// once the push is out, so it travels with the next one. Null for a worker's first push.</summary>
    public long? SentStep { get; init; }

    /// <summary>How long the pushes after <see cref="SentStep"/>'s backward took (serialising and queueing them, for a shard
    /// in another process): the last range's, the others having gone out during backward.</summary>
    public double SentSeconds { get; init; }

    /// <summary>The worker's Stopwatch clock when it received the shard, in seconds: comparable with another process's
    /// clock only on the same machine (CLOCK_MONOTONIC on Linux); 0 when not reported.</summary>
    public double ReceivedClockSeconds { get; init; }
}

/// <summary>One accepted shard of an applied step, for throughput estimates and time breakdowns.</summary>
public sealed record ShardReport(string Worker, SampleRange Shard, ShardTiming Timing);

/// <summary>
/// One shard of the parameter server: the actor that owns parameters [<see cref="Offset"/>,
/// <see cref="Offset"/> + <see cref="Count"/>) of the flat buffer (ps-lite's key range).
/// </summary>
public sealed record ParameterServerShard(IActorRef Server, int Offset, int Count)
{
    /// <summary>Splits <paramref name="length"/> parameters into <paramref name="shards"/> contiguous ranges
    /// whose boundaries fall on 16-float (64-byte) lines, so two shards never write one cache line.</summary>
    public static IReadOnlyList<(int Offset, int Count)> Ranges(int length, int shards)
    {
        if (length <= 0) throw new ArgumentOutOfRangeException(nameof(length), length, "must be positive");
        if (shards <= 0) throw new ArgumentOutOfRangeException(nameof(shards), shards, "must be positive");
        var ranges = new List<(int, int)>(shards);
        int start = 0;
        for (int k = 1; k <= shards; k++)
        {
            int end = k == shards ? length : Math.Min(length, (int)((long)length * k / shards + 15) / 16 * 16);
            if (end > start) ranges.Add((start, end - start));
            start = Math.Max(start, end);
        }
        return ranges;
    }

    /// <summary>
    /// Splits <paramref name="length"/> parameters into <paramref name="shards"/> contiguous ranges that start only at
    /// <paramref name="boundaries"/> (ascending offsets), each cut the boundary nearest an even split. With the
    /// offsets where backward reports progress (<see cref="Mlp.BackwardBoundaries"/>), a worker can push each range as
    /// soon as backward is past it. Fewer ranges when there are fewer boundaries than cuts.
    /// </summary>
    public static IReadOnlyList<(int Offset, int Count)> Ranges(int length, int shards, IReadOnlyList<int> boundaries)
    {
        if (length <= 0) throw new ArgumentOutOfRangeException(nameof(length), length, "must be positive");
        if (shards <= 0) throw new ArgumentOutOfRangeException(nameof(shards), shards, "must be positive");
        var starts = new List<int> { 0 };
        for (int k = 1; k < shards; k++)
        {
            long even = (long)length * k / shards;
            int best = -1;
            foreach (int b in boundaries)
                if (b > starts[^1] && b < length && (best < 0 || Math.Abs(b - even) < Math.Abs(best - even))) best = b;
            if (best > 0) starts.Add(best);
        }
        return starts.Select((start, i) => (start, (i + 1 < starts.Count ? starts[i + 1] : length) - start)).ToList();
    }

    public override string ToString() => $"{Server.Path} [{Offset},{Offset + Count})";
}

public static class ParameterServerProtocol
{
    /// <summary>
    /// Sent by the coordinator to the parameter server at the start of each step, before the shards:
    /// the step's batch, and where to send <see cref="StepApplied"/> once pushes cover it.
    /// </summary>
    public sealed record BeginStep(long Step, SampleRange Batch)
    {
        public override string ToString() => $"BeginStep(step {Step}, batch {Batch})";
    }

    /// <summary>
    /// Sent by a worker to each parameter-server shard when it has computed a shard of the batch: the gradient of
    /// the loss summed over the shard's samples, computed at <see cref="Version"/>, for the server's range of the
    /// flat buffer only (parameters <see cref="Offset"/> .. <see cref="Offset"/> + gradient length).
    /// </summary>
    public sealed record PushGradients
    {
        public PushGradients(long step, long version, SampleRange batch, SampleRange shard, string worker,
            int offset, ReadOnlyMemory<float> gradient, BatchMetrics metrics, ShardTiming timing)
        {
            if (offset < 0) throw new ArgumentOutOfRangeException(nameof(offset), offset, "a gradient range cannot start before parameter 0");
            if (shard.Count == 0) throw new ArgumentException($"shard {shard} is empty", nameof(shard));
            if (!batch.Contains(shard)) throw new ArgumentException($"shard {shard} lies outside its batch {batch}", nameof(shard));
            if (metrics.Count != shard.Count)
                throw new ArgumentException($"metrics count {metrics.Count} differs from the shard's {shard.Count} samples", nameof(metrics));
            (Step, Version, Batch, Shard, Worker, Offset, Gradient, Metrics, Timing) = (step, version, batch, shard, worker, offset, gradient, metrics, timing);
        }

        public long Step { get; }
        public long Version { get; }
        public SampleRange Batch { get; }
        public SampleRange Shard { get; }
        public string Worker { get; }
        public int Offset { get; }
        public ReadOnlyMemory<float> Gradient { get; }
        public BatchMetrics Metrics { get; }
        public ShardTiming Timing { get; }

        public override string ToString() =>
            $"PushGradients(step {Step}, version {Version}, shard {Shard} of {Batch} from {Worker}, parameters [{Offset},{Offset + Gradient.Length}))";
    }

    /// <summary>
    /// Sent by a worker to the parameter server when it starts or joins: reply with the current parameters
    /// and publish every later version to it until it terminates.
    /// </summary>
    public sealed record PullParameters(IActorRef Subscriber)
    {
        public override string ToString() => $"PullParameters({Subscriber.Path})";
    }

    /// <summary>
    /// Sent by a parameter-server shard to its subscribers after every applied step, and in reply to
    /// <see cref="PullParameters"/>: its range of the parameters, starting at <see cref="Offset"/>. In one
    /// process the memory is the server's own buffer, valid until it applies the next step; a worker reads it
    /// only while computing a shard of this version.
    /// </summary>
    public sealed record ParametersPublished(long Version, int Offset, ReadOnlyMemory<float> Parameters)
    {
        public override string ToString() => $"ParametersPublished(version {Version}, [{Offset},{Offset + Parameters.Length}))";
    }

    /// <summary>Sent by the parameter server to the sender of <see cref="BeginStep"/> after it applied the step.</summary>
    public sealed record StepApplied(long Step, long Version, BatchMetrics Metrics, IReadOnlyList<ShardReport> Shards,
        float LearningRate, double ApplySeconds)
    {
        public override string ToString() => $"StepApplied(step {Step}, now version {Version}, {Shards.Count} shards, lr {LearningRate:G4})";
    }

    /// <summary>Sent by the coordinator to the parameter server to take a checkpoint; answered with <see cref="Snapshot"/>.</summary>
    public sealed class TakeSnapshot
    {
        public static readonly TakeSnapshot Instance = new();
        private TakeSnapshot() { }
        public override string ToString() => "TakeSnapshot";
    }

    /// <summary>
    /// Sent by a parameter-server shard in reply to <see cref="TakeSnapshot"/>: copies of its range of the
    /// parameters and optimizer state at <see cref="Version"/>, starting at <see cref="Offset"/>. The
    /// coordinator joins the shards' snapshots into one (<see cref="Join"/>).
    /// </summary>
    public sealed record Snapshot(long Version, int Offset, float[] Parameters, float[][] OptimizerState)
    {
        /// <summary>One snapshot of the whole buffer from the snapshots of all shards of one version.</summary>
        public static Snapshot Join(IReadOnlyList<Snapshot> parts, int length)
        {
            if (parts.Count == 0) throw new ArgumentException("no snapshot to join", nameof(parts));
            if (parts.Any(p => p.Version != parts[0].Version))
                throw new ArgumentException($"shard snapshots of different versions: {string.Join(", ", parts.Select(p => p.Version))}", nameof(parts));
            if (parts.Count == 1 && parts[0].Offset == 0 && parts[0].Parameters.Length == length) return parts[0];
            int slots = parts[0].OptimizerState.Length;
            var parameters = new float[length];
            var state = Enumerable.Range(0, slots).Select(_ => new float[length]).ToArray();
            int covered = 0;
            foreach (var p in parts)
            {
                p.Parameters.CopyTo(parameters, p.Offset);
                for (int s = 0; s < slots; s++) p.OptimizerState[s].CopyTo(state[s], p.Offset);
                covered += p.Parameters.Length;
            }
            if (covered != length) throw new ArgumentException($"shard snapshots cover {covered} of {length} parameters", nameof(parts));
            return new Snapshot(parts[0].Version, 0, parameters, state);
        }

        public override string ToString() => $"Snapshot(version {Version}, [{Offset},{Offset + Parameters.Length}), {OptimizerState.Length} state slots)";
    }
}
