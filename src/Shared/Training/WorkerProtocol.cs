// Messages a worker receives from the coordinator, and its replies. Gradients go to the parameter
// server instead (ParameterServerProtocol); the coordinator only hands out work.
using Dpt.Model;

namespace Dpt.Training;

/// <summary>Which held-out set an evaluation scores.</summary>
public enum EvaluationSet { Test, Validation }

public static class WorkerProtocol
{
    /// <summary>
    /// Sent by the coordinator to a worker at the start of each step, and to another worker when the
    /// worker of a shard is lost: compute the gradient over <see cref="Shard"/> of epoch <see cref="Epoch"/>'s
    /// sample order at parameter version <see cref="Version"/>, and push it to the parameter server.
    /// </summary>
    public sealed record ComputeShard
    {
        public ComputeShard(long step, int epoch, long version, SampleRange batch, SampleRange shard)
        {
            if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "steps are numbered from 0");
            if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "epochs are numbered from 0");
            if (version < 0) throw new ArgumentOutOfRangeException(nameof(version), version, "parameter versions are numbered from 0");
            if (shard.Count == 0) throw new ArgumentException($"shard {shard} is empty", nameof(shard));
            if (!batch.Contains(shard)) throw new ArgumentException($"shard {shard} lies outside its batch {batch}", nameof(shard));
            (Step, Epoch, Version, Batch, Shard) = (step, epoch, version, batch, shard);
        }

        public long Step { get; }
        public int Epoch { get; }
        public long Version { get; }
        public SampleRange Batch { get; }
        public SampleRange Shard { get; }

        public override string ToString() => $"ComputeShard(step {Step}, epoch {Epoch}, version {Version}, shard {Shard} of batch {Batch})";
    }

    /// <summary>
    /// Sent by the coordinator to a worker after an epoch: score <see cref="Range"/> of a held-out set with
    /// parameter version <see cref="Version"/>; answered with <see cref="ShardEvaluated"/>.
    /// </summary>
    public sealed record EvaluateShard
    {
        public EvaluateShard(int request, long version, EvaluationSet set, SampleRange range)
        {
            if (range.Count == 0) throw new ArgumentException($"evaluation range {range} is empty", nameof(range));
            (Request, Version, Set, Range) = (request, version, set, range);
        }

        public int Request { get; }
        public long Version { get; }
        public EvaluationSet Set { get; }
        public SampleRange Range { get; }

        public override string ToString() => $"EvaluateShard(#{Request}, version {Version}, {Set} {Range})";
    }

    /// <summary>Sent by a worker to the coordinator in reply to <see cref="EvaluateShard"/>.</summary>
    public sealed record ShardEvaluated(int Request, SampleRange Range, BatchMetrics Metrics)
    {
        public override string ToString() => $"ShardEvaluated(#{Request}, {Range}, loss sum {Metrics.LossSum:G4}, correct {Metrics.Correct}/{Metrics.Count})";
    }
}
