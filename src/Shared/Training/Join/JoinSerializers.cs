// Wire serializers of JoinProtocol's messages, ids 150-156 (150-179 are reserved for the join protocol).
// Everything travels in the protobuf header; a data chunk's bytes are wrapped, not copied, on the way out.
// A header that does not make a valid message is an InvalidDataException naming the message type.
using Dpt.Remoting.Serialization;
using Google.Protobuf;
using static Dpt.Training.Join.JoinProtocol;
using W = Dpt.Training.Join.Wire;

namespace Dpt.Training.Join;

/// <summary>The join protocol's serializers, to register with the transport's serializer registry.</summary>
public static class JoinSerializers
{
    public const int RequestTrainingConfigId = 150;
    public const int TrainingConfigId = 151;
    public const int ConfigRefusedId = 152;
    public const int FetchDataChunkId = 153;
    public const int DataChunkId = 154;
    public const int DataChunkRefusedId = 155;
    public const int RunEndedId = 156;

    /// <summary>One serializer per message of <see cref="JoinProtocol"/>.</summary>
    public static IReadOnlyList<IWireSerializer> All { get; } =
    [
        new RequestTrainingConfigSerializer(),
        new TrainingConfigSerializer(),
        new ConfigRefusedSerializer(),
        new FetchDataChunkSerializer(),
        new DataChunkSerializer(),
        new DataChunkRefusedSerializer(),
        new RunEndedSerializer(),
    ];

    /// <summary>A message of type <typeparamref name="T"/> as a header of type <typeparamref name="TWire"/> and no tensors.</summary>
    private abstract class HeaderOnly<T, TWire>(int id, MessageParser<TWire> parser, MessageLane lane = MessageLane.Control) : IWireSerializer
        where T : class where TWire : IMessage<TWire>
    {
        public int Id => id;
        public Type MessageType => typeof(T);
        public MessageLane Lane => lane;

        public void Write(object message, IWireWriter writer) => writer.WriteHeader(ToWire((T)message, writer));

        public object Read(IWireReader reader)
        {
            if (reader.TensorCount != 0)
                throw new InvalidDataException($"{typeof(T).Name}: {reader.TensorCount} tensors follow the header, expected none");
            var header = reader.ReadHeader(parser);
            try
            {
                return FromWire(header, reader);
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException)
            {
                throw new InvalidDataException($"{typeof(T).Name}: {e.Message}", e);
            }
        }

        protected abstract TWire ToWire(T message, IWireWriter writer);
        protected abstract T FromWire(TWire header, IWireReader reader);
    }

    private sealed class RunEndedSerializer() : HeaderOnly<RunEnded, W.RunEnded>(RunEndedId, W.RunEnded.Parser)
    {
        protected override W.RunEnded ToWire(RunEnded m, IWireWriter writer) => new() { Reason = m.Reason };
        protected override RunEnded FromWire(W.RunEnded h, IWireReader reader) => new(h.Reason);
    }

    private sealed class RequestTrainingConfigSerializer() : HeaderOnly<RequestTrainingConfig, W.RequestTrainingConfig>(RequestTrainingConfigId, W.RequestTrainingConfig.Parser)
    {
        protected override W.RequestTrainingConfig ToWire(RequestTrainingConfig m, IWireWriter writer) => new() { ProtocolVersion = m.ProtocolVersion };
        protected override RequestTrainingConfig FromWire(W.RequestTrainingConfig h, IWireReader reader) => new(h.ProtocolVersion);
    }

    private sealed class TrainingConfigSerializer() : HeaderOnly<TrainingConfig, W.TrainingConfig>(TrainingConfigId, W.TrainingConfig.Parser)
    {
        protected override W.TrainingConfig ToWire(TrainingConfig m, IWireWriter writer)
        {
            var manifest = new W.DatasetManifest { Dataset = m.Dataset.Dataset, Parameters = m.Dataset.Parameters, Sha256 = m.Dataset.Sha256 };
            manifest.Files.AddRange(m.Dataset.Files.Select(f => new W.DatasetFile { Name = f.Name, Length = f.Length, Sha256 = f.Sha256 }));
            var header = new W.TrainingConfig
            {
                OptionsJson = TrainingOptionsJson.Serialize(m.Options),
                Model = m.Model,
                Dataset = manifest,
                Shape = new W.DatasetShape
                {
                    Features = m.Shape.Features, Outputs = m.Shape.Outputs,
                    TrainCount = m.Shape.TrainCount, ValidationCount = m.Shape.ValidationCount, TestCount = m.Shape.TestCount,
                },
            };
            header.Shards.AddRange(m.Shards.Select(s => new W.ParameterShard { Server = writer.ToWire(s.Server), Offset = s.Offset, Count = s.Count }));
            return header;
        }

        protected override TrainingConfig FromWire(W.TrainingConfig h, IWireReader reader)
        {
            var w = h.Dataset ?? throw new InvalidDataException("no data set manifest");
            var manifest = new DatasetManifest(w.Dataset, w.Files.Select(f => new DatasetFile(f.Name, f.Length, f.Sha256)).ToArray(), w.Parameters);
            if (manifest.Sha256 != w.Sha256)
                throw new InvalidDataException($"the manifest's contents hash to {manifest.Sha256}, but it was sent as {w.Sha256}");
            var s = h.Shape ?? throw new InvalidDataException("no data set shape");
            return new TrainingConfig(
                TrainingOptionsJson.Deserialize(h.OptionsJson),
                h.Shards.Select(p => new ParameterServerShard(reader.FromWire(p.Server), p.Offset, p.Count)).ToArray(),
                h.Model,
                manifest,
                new DatasetShape(s.Features, s.Outputs, s.TrainCount, s.ValidationCount, s.TestCount));
        }
    }

    private sealed class ConfigRefusedSerializer() : HeaderOnly<ConfigRefused, W.ConfigRefused>(ConfigRefusedId, W.ConfigRefused.Parser)
    {
        protected override W.ConfigRefused ToWire(ConfigRefused m, IWireWriter writer) => new() { Reason = m.Reason };
        protected override ConfigRefused FromWire(W.ConfigRefused h, IWireReader reader) => new(h.Reason);
    }

    private sealed class FetchDataChunkSerializer() : HeaderOnly<FetchDataChunk, W.FetchDataChunk>(FetchDataChunkId, W.FetchDataChunk.Parser)
    {
        protected override W.FetchDataChunk ToWire(FetchDataChunk m, IWireWriter writer) => new() { File = m.File, Offset = m.Offset, Length = m.Length };
        protected override FetchDataChunk FromWire(W.FetchDataChunk h, IWireReader reader) => new(h.File, h.Offset, h.Length);
    }

    /// <summary>On the bulk lane, so a transfer never delays heartbeats; the bytes are wrapped on write
    /// and read out of the parsed header without another copy.</summary>
    private sealed class DataChunkSerializer() : HeaderOnly<DataChunk, W.DataChunk>(DataChunkId, W.DataChunk.Parser, MessageLane.Bulk)
    {
        protected override W.DataChunk ToWire(DataChunk m, IWireWriter writer) =>
            new() { File = m.File, Offset = m.Offset, Data = UnsafeByteOperations.UnsafeWrap(m.Data) };

        protected override DataChunk FromWire(W.DataChunk h, IWireReader reader) => new(h.File, h.Offset, h.Data.Memory);
    }

    private sealed class DataChunkRefusedSerializer() : HeaderOnly<DataChunkRefused, W.DataChunkRefused>(DataChunkRefusedId, W.DataChunkRefused.Parser)
    {
        protected override W.DataChunkRefused ToWire(DataChunkRefused m, IWireWriter writer) => new() { File = m.File, Offset = m.Offset, Reason = m.Reason };
        protected override DataChunkRefused FromWire(W.DataChunkRefused h, IWireReader reader) => new(h.File, h.Offset, h.Reason);
    }
}
