// Every training message written and read back through an in-memory wire: equal field by field, tensors
// bit for bit; and payloads that would make an invalid message refused with a message naming the problem.
using Dpt.Model;
using Dpt.Remoting.Serialization;
using Dpt.Training;
using Dpt.Training.Wire;
using Google.Protobuf;
using Xunit.Abstractions;
using static Dpt.Training.ParameterServerProtocol;
using static Dpt.Training.WorkerProtocol;

namespace Dpt.Shared.Tests.Training.Wire;

public class TrainingSerializersSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private static IWireSerializer For<T>() => TrainingSerializers.All.Single(s => s.MessageType == typeof(T));

    private static T RoundTrip<T>(T message) where T : class
    {
        var wire = new InMemoryWire();
        For<T>().Write(message, wire);
        Assert.Equal(1, wire.HeaderWrites);
        return Assert.IsType<T>(For<T>().Read(wire));
    }

    private static InvalidDataException Refused<T>(IMessage header, params float[][] tensors) =>
        Assert.Throws<InvalidDataException>(() => For<T>().Read(InMemoryWire.Of(header, tensors)));

    /// <summary>Values whose bits a float-by-float conversion would lose or change: -0, NaN payloads, subnormals, infinities.</summary>
    private static float[] Awkward(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        float[] special = [-0f, float.NaN, BitConverter.Int32BitsToSingle(0x7FC0_1234), float.Epsilon, -float.Epsilon,
            float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, 1e-40f];
        special.AsSpan(0, Math.Min(length, special.Length)).CopyTo(values);
        return values;
    }

    private static void AssertBitExact(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"value {i}: {expected[i]} became {actual[i]}");
    }

    private static WireSampleRange Range(int start, int count) => new() { Start = start, Count = count };

    private static PushGradientsHeader PushHeader(int length = 4) => new()
    {
        Step = 3, Version = 3, Batch = Range(0, 8), Shard = Range(2, 2), Worker = "w1", Offset = 16, Length = length,
        Metrics = new WireBatchMetrics { LossSum = 1.5, Correct = 1, Count = 2 }, Timing = new WireShardTiming { WaitSeconds = 0.1, ComputeSeconds = 0.2 },
    };

    [Fact]
    public void Serializers_must_have_stable_distinct_ids_from_100_one_per_message_type_with_tensors_on_the_bulk_lane()
    {
        var all = TrainingSerializers.All;
        Assert.Equal(all.Count, all.Select(s => s.Id).Distinct().Count());
        Assert.Equal(all.Count, all.Select(s => s.MessageType).Distinct().Count());
        Assert.Equal(
            [
                (100, typeof(ComputeShard), MessageLane.Control), (101, typeof(EvaluateShard), MessageLane.Control),
                (102, typeof(ShardEvaluated), MessageLane.Control), (103, typeof(PullParameters), MessageLane.Control),
                (104, typeof(PushGradients), MessageLane.Bulk), (105, typeof(ParametersPublished), MessageLane.Bulk),
                (106, typeof(BeginStep), MessageLane.Control), (107, typeof(StepApplied), MessageLane.Control),
                (108, typeof(TakeSnapshot), MessageLane.Control), (109, typeof(Snapshot), MessageLane.Bulk),
            ],
            all.OrderBy(s => s.Id).Select(s => (s.Id, s.MessageType, s.Lane)));
    }

    [Fact]
    public void Small_messages_must_round_trip_equal()
    {
        var compute = new ComputeShard(long.MaxValue - 1, 7, 12345678901, new SampleRange(128, 128), new SampleRange(200, 56));
        Assert.Equal(compute, RoundTrip(compute));
        foreach (var set in new[] { EvaluationSet.Test, EvaluationSet.Validation })
        {
            var evaluate = new EvaluateShard(-3, 9, set, new SampleRange(0, 10_000));
            Assert.Equal(evaluate, RoundTrip(evaluate));
        }
        var evaluated = new ShardEvaluated(42, new SampleRange(5, 3), new BatchMetrics(double.NaN, 2, 3));
        var back = RoundTrip(evaluated);
        Assert.Equal((42, new SampleRange(5, 3), 2, 3), (back.Request, back.Range, back.Metrics.Correct, back.Metrics.Count));
        Assert.True(double.IsNaN(back.Metrics.LossSum));
        var precise = new ShardEvaluated(1, new SampleRange(0, 1), new BatchMetrics(0.1 + 0.2, 0, 1));
        Assert.Equal(precise, RoundTrip(precise));
        var begin = new BeginStep(17, new SampleRange(32, 16));
        Assert.Equal(begin, RoundTrip(begin));
        Assert.Same(TakeSnapshot.Instance, RoundTrip(TakeSnapshot.Instance));
    }

    [Fact]
    public void PullParameters_must_carry_its_subscriber_as_a_ref_the_reader_resolves()
    {
        var worker = CreateTestProbe("worker-7");
        var back = RoundTrip(new PullParameters(worker.Ref));
        Assert.Equal(worker.Ref, back.Subscriber);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(100_003)]
    public void PushGradients_must_round_trip_with_its_gradient_bit_exact_in_an_array_of_its_own(int length)
    {
        var buffer = Awkward(length + 20, length);
        var push = new PushGradients(9, 9, new SampleRange(64, 32), new SampleRange(70, 5), "node-2/worker-1", 20,
            buffer.AsMemory(20, length), new BatchMetrics(3.25, 4, 5),
            new ShardTiming(0.001, 0.75) { ForwardSeconds = 0.5, SentStep = 8, SentSeconds = 0.002, ReceivedClockSeconds = 12345.678901234 });
        var back = RoundTrip(push);
        Assert.Equal((push.Step, push.Version, push.Batch, push.Shard, push.Worker, push.Offset, push.Metrics, push.Timing),
            (back.Step, back.Version, back.Batch, back.Shard, back.Worker, back.Offset, back.Metrics, back.Timing));
        AssertBitExact(push.Gradient.Span, back.Gradient.Span);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(back.Gradient, out var segment));
        Assert.Equal((0, length, length), (segment.Offset, segment.Count, segment.Array!.Length));
        Assert.Equal(push.ToString(), back.ToString());
    }

    [Fact]
    public void ParametersPublished_must_round_trip_with_its_parameters_bit_exact()
    {
        var values = Awkward(1000, 5);
        var published = new ParametersPublished(41, 4096, values.AsMemory(100, 900));
        var back = RoundTrip(published);
        Assert.Equal((41L, 4096, 900), (back.Version, back.Offset, back.Parameters.Length));
        AssertBitExact(values.AsSpan(100, 900), back.Parameters.Span);
    }

    [Fact]
    public void StepApplied_and_Snapshot_must_round_trip()
    {
        var applied = new StepApplied(5, 6, new BatchMetrics(12.5, 7, 10),
            [new ShardReport("w1", new SampleRange(0, 6), new ShardTiming(0.5, 1.5) { ForwardSeconds = 1, SentStep = 0, SentSeconds = 0.25, ReceivedClockSeconds = 7 }),
                new ShardReport("w2", new SampleRange(6, 4), new ShardTiming(0, 2))],
            0.0125f, 0.003);
        var a = RoundTrip(applied);
        Assert.Equal((applied.Step, applied.Version, applied.Metrics, applied.LearningRate, applied.ApplySeconds),
            (a.Step, a.Version, a.Metrics, a.LearningRate, a.ApplySeconds));
        Assert.Equal(applied.Shards, a.Shards);

        var snapshot = new Snapshot(6, 32, Awkward(48, 1), [Awkward(48, 2), Awkward(48, 3)]);
        var s = RoundTrip(snapshot);
        Assert.Equal((6L, 32, 2), (s.Version, s.Offset, s.OptimizerState.Length));
        AssertBitExact(snapshot.Parameters, s.Parameters);
        for (int k = 0; k < 2; k++) AssertBitExact(snapshot.OptimizerState[k], s.OptimizerState[k]);
        var none = RoundTrip(new Snapshot(0, 0, [1f], []));
        Assert.Empty(none.OptimizerState);
    }

    [Fact]
    public void A_gradient_whose_length_differs_from_the_declared_range_must_be_refused()
    {
        Assert.Contains("the gradient has 3 values; the header declares 4", Refused<PushGradients>(PushHeader(4), new float[3]).Message);
        Assert.Contains("0 tensors", Refused<PushGradients>(PushHeader(4)).Message);
        Assert.Contains("2 tensors", Refused<PushGradients>(PushHeader(4), new float[4], new float[4]).Message);
        Assert.Contains("gradient length 0", Refused<PushGradients>(PushHeader(0), new float[0]).Message);
    }

    [Fact]
    public void A_push_that_would_be_an_invalid_message_must_be_refused_naming_the_problem()
    {
        var g = new float[4];
        Assert.Contains("step -1 is negative", Refused<PushGradients>(new PushGradientsHeader(PushHeader()) { Step = -1 }, g).Message);
        Assert.Contains("version -2 is negative", Refused<PushGradients>(new PushGradientsHeader(PushHeader()) { Version = -2 }, g).Message);
        Assert.Contains("offset -16 is negative", Refused<PushGradients>(new PushGradientsHeader(PushHeader()) { Offset = -16 }, g).Message);
        Assert.Contains("lies outside its batch", Refused<PushGradients>(new PushGradientsHeader(PushHeader()) { Shard = Range(7, 2) }, g).Message);
        Assert.Contains("is empty", Refused<PushGradients>(new PushGradientsHeader(PushHeader()) { Shard = Range(2, 0) }, g).Message);
        Assert.Contains("metrics count", Refused<PushGradients>(new PushGradientsHeader(PushHeader()) { Metrics = new WireBatchMetrics { Count = 3, Correct = 1 } }, g).Message);
        Assert.Contains("batch is missing", Refused<PushGradients>(new PushGradientsHeader(PushHeader()) { Batch = null }, g).Message);
        Assert.Contains("timing is missing", Refused<PushGradients>(new PushGradientsHeader(PushHeader()) { Timing = null }, g).Message);
        Assert.Contains("no worker name", Refused<PushGradients>(new PushGradientsHeader(PushHeader()) { Worker = "" }, g).Message);
        Assert.Contains("not a range of positions", Refused<PushGradients>(new PushGradientsHeader(PushHeader()) { Batch = Range(int.MaxValue, 8) }, g).Message);
        Assert.Contains("not a range of positions", Refused<PushGradients>(new PushGradientsHeader(PushHeader()) { Shard = Range(-2, 2) }, g).Message);
        Assert.Contains("times are non-negative", Refused<PushGradients>(new PushGradientsHeader(PushHeader()) { Timing = new WireShardTiming { ComputeSeconds = double.NaN } }, g).Message);
        Assert.StartsWith("invalid PushGradients:", Refused<PushGradients>(new PushGradientsHeader(PushHeader()) { Step = -1 }, g).Message);
    }

    [Fact]
    public void A_timing_whose_phases_do_not_fit_together_must_be_refused()
    {
        var g = new float[4];
        PushGradientsHeader With(WireShardTiming timing) => new(PushHeader()) { Timing = timing };
        Assert.Contains("forward is a part of compute",
            Refused<PushGradients>(With(new WireShardTiming { ComputeSeconds = 0.2, ForwardSeconds = 0.3 }), g).Message);
        Assert.Contains("forward is a part of compute",
            Refused<PushGradients>(With(new WireShardTiming { ComputeSeconds = 0.2, ForwardSeconds = -0.1 }), g).Message);
        Assert.Contains("times are non-negative", Refused<PushGradients>(With(new WireShardTiming { SentSeconds = -1 }), g).Message);
        Assert.Contains("times are non-negative", Refused<PushGradients>(With(new WireShardTiming { WaitSeconds = double.PositiveInfinity }), g).Message);
        Assert.Contains("the send of step -1", Refused<PushGradients>(With(new WireShardTiming { SentStep = -1 }), g).Message);
        Assert.Contains("clock NaN", Refused<PushGradients>(With(new WireShardTiming { ReceivedClockSeconds = double.NaN }), g).Message);
    }

    [Fact]
    public void A_timing_from_a_worker_without_the_timeline_fields_must_read_as_no_split_and_no_send()
    {
        // What a worker of protocol 1 before the timeline sends: fields 1 and 2 only.
        var push = (PushGradients)For<PushGradients>().Read(InMemoryWire.Of(PushHeader(), new float[4]));
        Assert.Equal(new ShardTiming(0.1, 0.2), push.Timing);
        Assert.Equal((0.0, (long?)null, 0.0, 0.0), (push.Timing.ForwardSeconds, push.Timing.SentStep, push.Timing.SentSeconds, push.Timing.ReceivedClockSeconds));
    }

    [Fact]
    public void Published_parameters_and_snapshots_that_do_not_match_their_header_must_be_refused()
    {
        var header = new ParametersPublishedHeader { Version = 2, Offset = 16, Length = 8 };
        Assert.Contains("the parameters has 7 values; the header declares 8", Refused<ParametersPublished>(header, new float[7]).Message);
        Assert.Contains("version -1 is negative", Refused<ParametersPublished>(new ParametersPublishedHeader(header) { Version = -1 }, new float[8]).Message);
        Assert.Contains("offset -16 is negative", Refused<ParametersPublished>(new ParametersPublishedHeader(header) { Offset = -16 }, new float[8]).Message);
        Assert.Contains("0 tensors", Refused<ParametersPublished>(header).Message);

        var snapshot = new SnapshotHeader { Version = 1, Offset = 0, Length = 4, StateSlots = 2 };
        Assert.Contains("optimizer-state slot 1 has 3 values", Refused<Snapshot>(snapshot, new float[4], new float[4], new float[3]).Message);
        Assert.Contains("2 tensors follow the header; expected 3", Refused<Snapshot>(snapshot, new float[4], new float[4]).Message);
    }

    [Fact]
    public void Commands_and_replies_that_would_be_invalid_messages_must_be_refused()
    {
        var compute = new ComputeShardHeader { Step = 1, Epoch = 0, Version = 1, Batch = Range(0, 8), Shard = Range(0, 4) };
        Assert.Contains("steps are numbered from 0", Refused<ComputeShard>(new ComputeShardHeader(compute) { Step = -1 }).Message);
        Assert.Contains("epochs are numbered from 0", Refused<ComputeShard>(new ComputeShardHeader(compute) { Epoch = -1 }).Message);
        Assert.Contains("lies outside its batch", Refused<ComputeShard>(new ComputeShardHeader(compute) { Shard = Range(6, 4) }).Message);
        Assert.Contains("shard is missing", Refused<ComputeShard>(new ComputeShardHeader(compute) { Shard = null }).Message);
        Assert.Contains("1 tensors follow the header; expected 0", Refused<ComputeShard>(compute, new float[1]).Message);

        var evaluate = new EvaluateShardHeader { Request = 1, Version = 3, Set = WireEvaluationSet.Validation, Range = Range(0, 4) };
        Assert.Contains("evaluation set 7", Refused<EvaluateShard>(new EvaluateShardHeader(evaluate) { Set = (WireEvaluationSet)7 }).Message);
        Assert.Contains("is empty", Refused<EvaluateShard>(new EvaluateShardHeader(evaluate) { Range = Range(3, 0) }).Message);
        Assert.Contains("version -3 is negative", Refused<EvaluateShard>(new EvaluateShardHeader(evaluate) { Version = -3 }).Message);

        var evaluated = new ShardEvaluatedHeader { Request = 1, Range = Range(0, 4), Metrics = new WireBatchMetrics { LossSum = 1, Correct = 2, Count = 4 } };
        Assert.Contains("differs from the range's 4 samples", Refused<ShardEvaluated>(new ShardEvaluatedHeader(evaluated) { Metrics = new WireBatchMetrics { Count = 5 } }).Message);
        Assert.Contains("5 correct of 4 samples", Refused<ShardEvaluated>(new ShardEvaluatedHeader(evaluated) { Metrics = new WireBatchMetrics { Correct = 5, Count = 4 } }).Message);

        Assert.Contains("no subscriber", Refused<PullParameters>(new PullParametersHeader()).Message);
        Assert.Contains("names no actor", Refused<PullParameters>(new PullParametersHeader { Subscriber = "dpt://x@h:1/user/w" }).Message);
        Assert.Contains("must make version 4", Refused<StepApplied>(new StepAppliedHeader { Step = 3, Version = 5, Metrics = new WireBatchMetrics() }).Message);
        Assert.Contains("is empty", Refused<BeginStep>(new BeginStepHeader { Step = 0, Batch = Range(0, 0) }).Message);
    }

    [Fact]
    public void A_header_that_is_not_protobuf_must_fail_to_parse()
    {
        var wire = new InMemoryWire();
        wire.WriteHeader(new BytesHeader([0xFF, 0xFF, 0xFF]));
        Assert.ThrowsAny<Exception>(() => For<ComputeShard>().Read(wire));
    }

    [Fact]
    public void Writing_another_message_type_must_be_refused()
    {
        Assert.Throws<ArgumentException>(() => For<ComputeShard>().Write(TakeSnapshot.Instance, new InMemoryWire()));
    }

    /// <summary>A "header" of arbitrary bytes, for a payload no serializer wrote.</summary>
    private sealed class BytesHeader(byte[] bytes) : IMessage
    {
        public void MergeFrom(CodedInputStream input) => throw new NotSupportedException();
        public void WriteTo(CodedOutputStream output) { foreach (byte b in bytes) output.WriteRawTag(b); }
        public int CalculateSize() => bytes.Length;
        public Google.Protobuf.Reflection.MessageDescriptor Descriptor => throw new NotSupportedException();
    }
}
