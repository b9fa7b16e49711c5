// Every join message must come back equal through its serializer's bytes; ids are unique and in the join
// protocol's range; a chunk rides the bulk lane; a header that makes no valid message is InvalidDataException.
using Dpt.Actors;
using Dpt.Remoting.Serialization;
using Dpt.Training;
using Dpt.Training.Join;
using Google.Protobuf;
using Xunit.Abstractions;
using static Dpt.Training.Join.JoinProtocol;

namespace Dpt.Shared.Tests.Training.Join;

public sealed class JoinSerializersSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    private static IWireSerializer For<T>() => JoinSerializers.All.Single(s => s.MessageType == typeof(T));

    private static readonly DatasetManifest Manifest = new("csv",
    [
        new DatasetFile("train.csv", 123_456, new string('a', 64)),
        new DatasetFile("test.csv", 7, new string('b', 64)),
    ]);

    [Fact]
    public void Join_serializers_must_have_unique_ids_from_150_to_179_one_per_message()
    {
        Assert.Equal(JoinSerializers.All.Count, JoinSerializers.All.Select(s => s.Id).Distinct().Count());
        Assert.All(JoinSerializers.All, s => Assert.InRange(s.Id, 150, 179));
        var messages = typeof(JoinProtocol).GetNestedTypes().Where(t => t.IsClass).ToHashSet();
        Assert.Equal(messages, JoinSerializers.All.Select(s => s.MessageType).ToHashSet());
        Assert.Equal([typeof(DataChunk)], JoinSerializers.All.Where(s => s.Lane == MessageLane.Bulk).Select(s => s.MessageType));
    }

    [Fact]
    public void Small_messages_must_round_trip()
    {
        Assert.Equal(new RequestTrainingConfig(3), InMemoryWire.RoundTrip(For<RequestTrainingConfig>(), new RequestTrainingConfig(3)));
        Assert.Equal(new ConfigRefused("protocol: x"), InMemoryWire.RoundTrip(For<ConfigRefused>(), new ConfigRefused("protocol: x")));
        Assert.Equal(new FetchDataChunk("a.bin", 1L << 33, 1 << 20), InMemoryWire.RoundTrip(For<FetchDataChunk>(), new FetchDataChunk("a.bin", 1L << 33, 1 << 20)));
        Assert.Equal(new DataChunkRefused("a.bin", 5, "no"), InMemoryWire.RoundTrip(For<DataChunkRefused>(), new DataChunkRefused("a.bin", 5, "no")));
    }

    [Fact]
    public void A_data_chunk_must_round_trip_its_bytes_in_the_header()
    {
        var bytes = new byte[1 << 20];
        new Random(5).NextBytes(bytes);
        var wire = new InMemoryWire(_ => ActorRefs.Nobody);
        For<DataChunk>().Write(new DataChunk("train.bin", 3L << 20, bytes), wire);
        var back = (DataChunk)For<DataChunk>().Read(wire);

        Assert.Equal(("train.bin", 3L << 20), (back.File, back.Offset));
        Assert.Equal(bytes, back.Data.ToArray());
        Assert.InRange(wire.HeaderLength, bytes.Length, bytes.Length + 32);
        Assert.Equal(0, wire.TensorCount);
    }

    [Fact]
    public void A_training_config_must_round_trip_options_shards_model_manifest_and_shape()
    {
        var ps1 = CreateTestProbe("ps-1").Ref;
        var ps2 = CreateTestProbe("ps-2").Ref;
        var options = new TrainingOptions { Dataset = "csv", DataPath = "/data/train.csv", Hidden = [64, 32], LearningRate = 0.01f, Schedule = ScheduleKind.Cosine, Seed = 42 };
        var config = new TrainingConfig(options, [new ParameterServerShard(ps1, 0, 1000), new ParameterServerShard(ps2, 1000, 234)],
            "[4-64-32-3] relu softmax-cross-entropy", Manifest, new DatasetShape(4, 3, 100, 10, 20));

        var back = (TrainingConfig)InMemoryWire.RoundTrip(For<TrainingConfig>(), config, path => path.StartsWith(ps1.Path.ToString(), StringComparison.Ordinal) ? ps1 : ps2);

        Assert.Equal(TrainingOptionsJson.Serialize(options), TrainingOptionsJson.Serialize(back.Options));
        Assert.Equal([64, 32], back.Options.Hidden);
        Assert.Equal(ScheduleKind.Cosine, back.Options.Schedule);
        Assert.Equal(config.Shards, back.Shards);
        Assert.Equal(config.Model, back.Model);
        Assert.Equal(Manifest.Sha256, back.Dataset.Sha256);
        Assert.Equal(Manifest.Files, back.Dataset.Files);
        Assert.Equal(config.Shape, back.Shape);
        Assert.Contains("\"learning_rate\": 0.01", TrainingOptionsJson.Serialize(options));
        Assert.Contains("\"schedule\": \"cosine\"", TrainingOptionsJson.Serialize(options));
    }

    [Fact]
    public void A_header_that_makes_no_valid_message_must_be_InvalidDataException_naming_the_type()
    {
        var wire = new InMemoryWire(_ => ActorRefs.Nobody);
        wire.WriteHeader(new Dpt.Training.Join.Wire.FetchDataChunk { File = "../../etc/passwd", Offset = 0, Length = 10 });
        var e = Assert.Throws<InvalidDataException>(() => For<FetchDataChunk>().Read(wire));
        Assert.StartsWith("FetchDataChunk: ", e.Message);

        var tampered = new InMemoryWire(_ => ActorRefs.Nobody);
        var config = new TrainingConfig(new TrainingOptions { Dataset = "csv", DataPath = "x.csv" }, [], "m", Manifest, new DatasetShape(1, 1, 1, 0, 0));
        For<TrainingConfig>().Write(config, new HeaderEditor(tampered, h => ((Dpt.Training.Join.Wire.TrainingConfig)h).Dataset.Files[0].Length = 1));
        Assert.Contains("the manifest's contents hash to", Assert.Throws<InvalidDataException>(() => For<TrainingConfig>().Read(tampered)).Message);
    }

    /// <summary>Changes a header on its way to the wire, as corruption or a tampering peer would.</summary>
    private sealed class HeaderEditor(InMemoryWire inner, Action<IMessage> edit) : IWireWriter
    {
        public void WriteHeader(IMessage header)
        {
            edit(header);
            inner.WriteHeader(header);
        }

        public void WriteTensor(ReadOnlySpan<float> values) => inner.WriteTensor(values);
        public string ToWire(IActorRef? actorRef) => inner.ToWire(actorRef);
    }
}
