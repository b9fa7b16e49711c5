// Messages of the parameter server: workers push gradients and pull parameters; it publishes each
// new version to its subscribers and reports each applied step to the coordinator.
using Dpt.Actors;
using Dpt.Model;

namespace Dpt.Training;

/// <summary>How long a worker spent on one shard, measured by the worker.</summary>
/// <param name="WaitSeconds">From receiving the shard to having the parameters it needs.</param>
/// <param name="ComputeSeconds">Gathering the samples, forward and backward.</param>
public readonly record struct ShardTiming(double WaitSeconds, double ComputeSeconds);

/// <summary>One accepted shard of an applied step, for throughput estimates and time breakdowns.</summary>
public sealed record ShardReport(string Worker, SampleRange Shard, ShardTiming Timing);

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
    /// Sent by a worker to the parameter server when it has computed a shard: the gradient of the loss summed
    /// over the shard's samples (same layout as the parameters), computed at <see cref="Version"/>.
    /// </summary>
    public sealed record PushGradients
    {
        public PushGradients(long step, long version, SampleRange batch, SampleRange shard, string worker,
            ReadOnlyMemory<float> gradient, BatchMetrics metrics, ShardTiming timing)
        {
            if (shard.Count == 0) throw new ArgumentException($"shard {shard} is empty", nameof(shard));
            if (!batch.Contains(shard)) throw new ArgumentException($"shard {shard} lies outside its batch {batch}", nameof(shard));
            if (metrics.Count != shard.Count)
                throw new ArgumentException($"metrics count {metrics.Count} differs from the shard's {shard.Count} samples", nameof(metrics));
            (Step, Version, Batch, Shard, Worker, Gradient, Metrics, Timing) = (step, version, batch, shard, worker, gradient, metrics, timing);
        }

        public long Step { get; }
        public long Version { get; }
        public SampleRange Batch { get; }
        public SampleRange Shard { get; }
        public string Worker { get; }
        public ReadOnlyMemory<float> Gradient { get; }
        public BatchMetrics Metrics { get; }
        public ShardTiming Timing { get; }

        public override string ToString() =>
            $"PushGradients(step {Step}, version {Version}, shard {Shard} of {Batch} from {Worker}, {Gradient.Length} floats)";
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
    /// Sent by the parameter server to its subscribers after every applied step, and in reply to
    /// <see cref="PullParameters"/>. In one process the buffer is the server's own, valid until it
    /// applies the next step; a worker reads it only while computing a shard of this version.
    /// </summary>
    public sealed record ParametersPublished(long Version, ReadOnlyMemory<float> Parameters)
    {
        public override string ToString() => $"ParametersPublished(version {Version}, {Parameters.Length} floats)";
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

    /// <summary>Sent by the parameter server in reply to <see cref="TakeSnapshot"/>: copies of its state at <see cref="Version"/>.</summary>
    public sealed record Snapshot(long Version, float[] Parameters, float[][] OptimizerState)
    {
        public override string ToString() => $"Snapshot(version {Version}, {Parameters.Length} parameters, {OptimizerState.Length} state slots)";
    }
}
