// The wire serializers of the training protocol, for the transport's registry: one per message that crosses
// between the coordinator's process and a worker's (and, cheaply, the few that do not yet). Headers are the
// messages of training.proto; gradients and parameters travel as raw tensors. Reading validates: a payload
// that would make an invalid message throws InvalidDataException naming the message and the problem.
using Dpt.Model;
using Dpt.Remoting.Serialization;

namespace Dpt.Training.Wire;

public static class TrainingSerializers
{
    // Ids are stable across releases: never renumber or reuse one (1-99 belong to remoting and cluster).
    public const int ComputeShardId = 100;
    public const int EvaluateShardId = 101;
    public const int ShardEvaluatedId = 102;
    public const int PullParametersId = 103;
    public const int PushGradientsId = 104;
    public const int ParametersPublishedId = 105;
    public const int BeginStepId = 106;
    public const int StepAppliedId = 107;
    public const int TakeSnapshotId = 108;
    public const int SnapshotId = 109;

    /// <summary>Every training serializer, to register with the transport on the coordinator and on each worker.</summary>
    public static IReadOnlyList<IWireSerializer> All { get; } =
    [
        new ComputeShardSerializer(),
        new EvaluateShardSerializer(),
        new ShardEvaluatedSerializer(),
        new PullParametersSerializer(),
        new PushGradientsSerializer(),
        new ParametersPublishedSerializer(),
        new BeginStepSerializer(),
        new StepAppliedSerializer(),
        new TakeSnapshotSerializer(),
        new SnapshotSerializer(),
    ];
}

/// <summary>A serializer of message type <typeparamref name="T"/>: typed Write and Read, and the checks every
/// read shares. A constructor's <see cref="ArgumentException"/> (the message type's own validation) becomes an
/// <see cref="InvalidDataException"/> naming the message.</summary>
internal abstract class WireSerializer<T> : IWireSerializer where T : class
{
    public abstract int Id { get; }
    public Type MessageType => typeof(T);
    public abstract MessageLane Lane { get; }

    public void Write(object message, IWireWriter writer)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(writer);
        if (message is not T typed)
            throw new ArgumentException($"{GetType().Name} writes {typeof(T).Name}, not {message.GetType().Name}", nameof(message));
        Write(typed, writer);
    }

    public object Read(IWireReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            return ReadMessage(reader);
        }
        catch (ArgumentException e)
        {
            throw Invalid(e.Message);
        }
    }

    protected abstract void Write(T message, IWireWriter writer);

    protected abstract T ReadMessage(IWireReader reader);

    protected static InvalidDataException Invalid(string problem) => new($"invalid {typeof(T).Name}: {problem}");

    protected static void ExpectTensors(IWireReader reader, int count)
    {
        if (reader.TensorCount != count) throw Invalid($"{reader.TensorCount} tensors follow the header; expected {count}");
    }

    /// <summary>Tensor <paramref name="index"/>, which must hold <paramref name="length"/> values.</summary>
    protected static float[] Tensor(IWireReader reader, int index, int length, string what)
    {
        var values = reader.ReadTensor(index);
        if (values.Length != length) throw Invalid($"{what} has {values.Length} values; the header declares {length}");
        return values;
    }

    protected static void NonNegative(long value, string what)
    {
        if (value < 0) throw Invalid($"{what} {value} is negative");
    }

    protected static WireSampleRange ToWire(SampleRange range) => new() { Start = range.Start, Count = range.Count };

    protected static SampleRange FromWire(WireSampleRange? range, string what)
    {
        if (range is null) throw Invalid($"{what} is missing");
        if (range.Start < 0 || range.Count < 0 || range.Count > int.MaxValue - range.Start)
            throw Invalid($"{what} [{range.Start},{(long)range.Start + range.Count}) is not a range of positions");
        return new SampleRange(range.Start, range.Count);
    }

    protected static WireBatchMetrics ToWire(BatchMetrics m) => new() { LossSum = m.LossSum, Correct = m.Correct, Count = m.Count };

    protected static BatchMetrics FromWire(WireBatchMetrics? m, string what)
    {
        if (m is null) throw Invalid($"{what} is missing");
        if (m.Count < 0 || m.Correct < 0 || m.Correct > m.Count)
            throw Invalid($"{what} has {m.Correct} correct of {m.Count} samples");
        return new BatchMetrics(m.LossSum, m.Correct, m.Count);
    }

    protected static WireShardTiming ToWire(ShardTiming t)
    {
        var wire = new WireShardTiming
        {
            WaitSeconds = t.WaitSeconds, ComputeSeconds = t.ComputeSeconds, ForwardSeconds = t.ForwardSeconds, SentSeconds = t.SentSeconds,
            ReceivedClockSeconds = t.ReceivedClockSeconds,
        };
        if (t.SentStep is { } sent) wire.SentStep = sent;
        return wire;
    }

    protected static ShardTiming FromWire(WireShardTiming? t, string what)
    {
        if (t is null) throw Invalid($"{what} is missing");
        if (!(t.WaitSeconds >= 0) || !(t.ComputeSeconds >= 0) || !(t.SentSeconds >= 0) || !double.IsFinite(t.WaitSeconds + t.ComputeSeconds + t.SentSeconds))
            throw Invalid($"{what} has wait {t.WaitSeconds} s, compute {t.ComputeSeconds} s and send {t.SentSeconds} s; times are non-negative numbers");
        if (!(t.ForwardSeconds >= 0 && t.ForwardSeconds <= t.ComputeSeconds))
            throw Invalid($"{what} has forward {t.ForwardSeconds} s of compute {t.ComputeSeconds} s; forward is a part of compute");
        if (t.HasSentStep && t.SentStep < 0) throw Invalid($"{what} reports the send of step {t.SentStep}");
        if (!double.IsFinite(t.ReceivedClockSeconds)) throw Invalid($"{what} has clock {t.ReceivedClockSeconds} s at receipt");
        return new ShardTiming(t.WaitSeconds, t.ComputeSeconds)
        {
            ForwardSeconds = t.ForwardSeconds, SentStep = t.HasSentStep ? t.SentStep : null, SentSeconds = t.SentSeconds,
            ReceivedClockSeconds = t.ReceivedClockSeconds,
        };
    }
}
