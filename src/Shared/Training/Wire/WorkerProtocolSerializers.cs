// Wire serializers of WorkerProtocol: the coordinator's commands to a worker and the worker's reply. All are
// small and take the control lane; none carries a tensor.
using Dpt.Remoting.Serialization;
using static Dpt.Training.WorkerProtocol;

namespace Dpt.Training.Wire;

internal sealed class ComputeShardSerializer : WireSerializer<ComputeShard>
{
    public override int Id => TrainingSerializers.ComputeShardId;
    public override MessageLane Lane => MessageLane.Control;

    protected override void Write(ComputeShard m, IWireWriter writer) =>
        writer.WriteHeader(new ComputeShardHeader
        {
            Step = m.Step, Epoch = m.Epoch, Version = m.Version, Batch = ToWire(m.Batch), Shard = ToWire(m.Shard),
        });

    protected override ComputeShard ReadMessage(IWireReader reader)
    {
        var h = reader.ReadHeader(ComputeShardHeader.Parser);
        ExpectTensors(reader, 0);
        return new ComputeShard(h.Step, h.Epoch, h.Version, FromWire(h.Batch, "batch"), FromWire(h.Shard, "shard"));
    }
}

internal sealed class EvaluateShardSerializer : WireSerializer<EvaluateShard>
{
    public override int Id => TrainingSerializers.EvaluateShardId;
    public override MessageLane Lane => MessageLane.Control;

    protected override void Write(EvaluateShard m, IWireWriter writer) =>
        writer.WriteHeader(new EvaluateShardHeader
        {
            Request = m.Request, Version = m.Version, Range = ToWire(m.Range),
            Set = m.Set == EvaluationSet.Test ? WireEvaluationSet.Test : WireEvaluationSet.Validation,
        });

    protected override EvaluateShard ReadMessage(IWireReader reader)
    {
        var h = reader.ReadHeader(EvaluateShardHeader.Parser);
        ExpectTensors(reader, 0);
        NonNegative(h.Version, "version");
        var set = h.Set switch
        {
            WireEvaluationSet.Test => EvaluationSet.Test,
            WireEvaluationSet.Validation => EvaluationSet.Validation,
            _ => throw Invalid($"evaluation set {(int)h.Set} is neither test (0) nor validation (1)"),
        };
        return new EvaluateShard(h.Request, h.Version, set, FromWire(h.Range, "range"));
    }
}

internal sealed class ShardEvaluatedSerializer : WireSerializer<ShardEvaluated>
{
    public override int Id => TrainingSerializers.ShardEvaluatedId;
    public override MessageLane Lane => MessageLane.Control;

    protected override void Write(ShardEvaluated m, IWireWriter writer) =>
        writer.WriteHeader(new ShardEvaluatedHeader { Request = m.Request, Range = ToWire(m.Range), Metrics = ToWire(m.Metrics) });

    protected override ShardEvaluated ReadMessage(IWireReader reader)
    {
        var h = reader.ReadHeader(ShardEvaluatedHeader.Parser);
        ExpectTensors(reader, 0);
        var range = FromWire(h.Range, "range");
        var metrics = FromWire(h.Metrics, "metrics");
        if (range.Count == 0) throw Invalid($"range {range} is empty");
        if (metrics.Count != range.Count) throw Invalid($"metrics count {metrics.Count} differs from the range's {range.Count} samples");
        return new ShardEvaluated(h.Request, range, metrics);
    }
}
