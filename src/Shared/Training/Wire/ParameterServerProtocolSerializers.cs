// Wire serializers of ParameterServerProtocol. Gradients and parameters go as tensors on the bulk lane; a
// received tensor is a fresh array owned by the message. BeginStep, StepApplied, TakeSnapshot and Snapshot
// stay inside the coordinator's process today and are serializable for completeness.
using Dpt.Remoting.Serialization;
using static Dpt.Training.ParameterServerProtocol;

namespace Dpt.Training.Wire;

internal sealed class PullParametersSerializer : WireSerializer<PullParameters>
{
    public override int Id => TrainingSerializers.PullParametersId;
    public override MessageLane Lane => MessageLane.Control;

    protected override void Write(PullParameters m, IWireWriter writer) =>
        writer.WriteHeader(new PullParametersHeader { Subscriber = writer.ToWire(m.Subscriber) });

    protected override PullParameters ReadMessage(IWireReader reader)
    {
        var h = reader.ReadHeader(PullParametersHeader.Parser);
        ExpectTensors(reader, 0);
        if (h.Subscriber.Length == 0) throw Invalid("no subscriber");
        return new PullParameters(reader.FromWire(h.Subscriber));
    }
}

internal sealed class PushGradientsSerializer : WireSerializer<PushGradients>
{
    public override int Id => TrainingSerializers.PushGradientsId;
    public override MessageLane Lane => MessageLane.Bulk;

    protected override void Write(PushGradients m, IWireWriter writer)
    {
        writer.WriteHeader(new PushGradientsHeader
        {
            Step = m.Step, Version = m.Version, Batch = ToWire(m.Batch), Shard = ToWire(m.Shard), Worker = m.Worker,
            Offset = m.Offset, Length = m.Gradient.Length, Metrics = ToWire(m.Metrics), Timing = ToWire(m.Timing),
        });
        writer.WriteTensor(m.Gradient.Span);
    }

    protected override PushGradients ReadMessage(IWireReader reader)
    {
        var h = reader.ReadHeader(PushGradientsHeader.Parser);
        ExpectTensors(reader, 1);
        NonNegative(h.Step, "step");
        NonNegative(h.Version, "version");
        NonNegative(h.Offset, "offset");
        if (h.Length <= 0) throw Invalid($"gradient length {h.Length} is not positive");
        if (h.Worker.Length == 0) throw Invalid("no worker name");
        var (batch, shard) = (FromWire(h.Batch, "batch"), FromWire(h.Shard, "shard"));
        var (metrics, timing) = (FromWire(h.Metrics, "metrics"), FromWire(h.Timing, "timing"));
        var gradient = Tensor(reader, 0, h.Length, "the gradient");
        return new PushGradients(h.Step, h.Version, batch, shard, h.Worker, h.Offset, gradient, metrics, timing);
    }
}

internal sealed class ParametersPublishedSerializer : WireSerializer<ParametersPublished>
{
    public override int Id => TrainingSerializers.ParametersPublishedId;
    public override MessageLane Lane => MessageLane.Bulk;

    protected override void Write(ParametersPublished m, IWireWriter writer)
    {
        writer.WriteHeader(new ParametersPublishedHeader { Version = m.Version, Offset = m.Offset, Length = m.Parameters.Length });
        writer.WriteTensor(m.Parameters.Span);
    }

    protected override ParametersPublished ReadMessage(IWireReader reader)
    {
        var h = reader.ReadHeader(ParametersPublishedHeader.Parser);
        ExpectTensors(reader, 1);
        NonNegative(h.Version, "version");
        NonNegative(h.Offset, "offset");
        if (h.Length <= 0) throw Invalid($"parameter range length {h.Length} is not positive");
        return new ParametersPublished(h.Version, h.Offset, Tensor(reader, 0, h.Length, "the parameters"));
    }
}

internal sealed class BeginStepSerializer : WireSerializer<BeginStep>
{
    public override int Id => TrainingSerializers.BeginStepId;
    public override MessageLane Lane => MessageLane.Control;

    protected override void Write(BeginStep m, IWireWriter writer) =>
        writer.WriteHeader(new BeginStepHeader { Step = m.Step, Batch = ToWire(m.Batch) });

    protected override BeginStep ReadMessage(IWireReader reader)
    {
        var h = reader.ReadHeader(BeginStepHeader.Parser);
        ExpectTensors(reader, 0);
        NonNegative(h.Step, "step");
        var batch = FromWire(h.Batch, "batch");
        if (batch.Count == 0) throw Invalid($"batch {batch} is empty");
        return new BeginStep(h.Step, batch);
    }
}

internal sealed class StepAppliedSerializer : WireSerializer<StepApplied>
{
    public override int Id => TrainingSerializers.StepAppliedId;
    public override MessageLane Lane => MessageLane.Control;

    protected override void Write(StepApplied m, IWireWriter writer)
    {
        var header = new StepAppliedHeader
        {
            Step = m.Step, Version = m.Version, Metrics = ToWire(m.Metrics), LearningRate = m.LearningRate, ApplySeconds = m.ApplySeconds,
        };
        foreach (var s in m.Shards) header.Shards.Add(new WireShardReport { Worker = s.Worker, Shard = ToWire(s.Shard), Timing = ToWire(s.Timing) });
        writer.WriteHeader(header);
    }

    protected override StepApplied ReadMessage(IWireReader reader)
    {
        var h = reader.ReadHeader(StepAppliedHeader.Parser);
        ExpectTensors(reader, 0);
        NonNegative(h.Step, "step");
        if (h.Version != h.Step + 1) throw Invalid($"step {h.Step} applied must make version {h.Step + 1}, not {h.Version}");
        var shards = h.Shards.Select((s, i) => new ShardReport(s.Worker, FromWire(s.Shard, $"shard {i}"), FromWire(s.Timing, $"timing of shard {i}")))
            .ToList();
        return new StepApplied(h.Step, h.Version, FromWire(h.Metrics, "metrics"), shards, h.LearningRate, h.ApplySeconds);
    }
}

internal sealed class TakeSnapshotSerializer : WireSerializer<TakeSnapshot>
{
    public override int Id => TrainingSerializers.TakeSnapshotId;
    public override MessageLane Lane => MessageLane.Control;

    protected override void Write(TakeSnapshot m, IWireWriter writer) => writer.WriteHeader(new TakeSnapshotHeader());

    protected override TakeSnapshot ReadMessage(IWireReader reader)
    {
        reader.ReadHeader(TakeSnapshotHeader.Parser);
        ExpectTensors(reader, 0);
        return TakeSnapshot.Instance;
    }
}

internal sealed class SnapshotSerializer : WireSerializer<Snapshot>
{
    public override int Id => TrainingSerializers.SnapshotId;
    public override MessageLane Lane => MessageLane.Bulk;

    protected override void Write(Snapshot m, IWireWriter writer)
    {
        writer.WriteHeader(new SnapshotHeader
        {
            Version = m.Version, Offset = m.Offset, Length = m.Parameters.Length, StateSlots = m.OptimizerState.Length,
        });
        writer.WriteTensor(m.Parameters);
        foreach (var slot in m.OptimizerState) writer.WriteTensor(slot);
    }

    protected override Snapshot ReadMessage(IWireReader reader)
    {
        var h = reader.ReadHeader(SnapshotHeader.Parser);
        NonNegative(h.Version, "version");
        NonNegative(h.Offset, "offset");
        if (h.Length <= 0) throw Invalid($"parameter range length {h.Length} is not positive");
        if (h.StateSlots < 0) throw Invalid($"{h.StateSlots} optimizer-state slots");
        ExpectTensors(reader, 1 + h.StateSlots);
        var parameters = Tensor(reader, 0, h.Length, "the parameters");
        var state = new float[h.StateSlots][];
        for (int s = 0; s < state.Length; s++) state[s] = Tensor(reader, 1 + s, h.Length, $"optimizer-state slot {s}");
        return new Snapshot(h.Version, h.Offset, parameters, state);
    }
}
