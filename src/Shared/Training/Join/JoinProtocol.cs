// Messages between a joining worker process and the coordinator's "trainer" actor: the worker asks for
// the run's configuration, then fetches the data set's files in chunks if it has no copy of its own.
// Membership (who is in the cluster) and the join-time metadata check are the cluster layer's; see JoinCheck.
using Dpt.Model;

namespace Dpt.Training.Join;

public static class JoinProtocol
{
    /// <summary>The protocol version this build speaks; a worker of another version is refused.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The name of the coordinator node's top-level actor that answers <see cref="RequestTrainingConfig"/>
    /// and <see cref="FetchDataChunk"/>: dpt://dpt@HOST:PORT/user/trainer.</summary>
    public const string TrainerActorName = "trainer";

    /// <summary>The top-level actor of a worker node that hears about the node's run (<see cref="RunEnded"/>).</summary>
    public const string WorkerNodeActorName = "worker-node";

    /// <summary>The largest chunk a worker may ask for: 4 MiB, so one reply never holds a connection's
    /// bulk lane for long. Fetchers use 1 MiB by default.</summary>
    public const int MaxChunkLength = 4 << 20;

    /// <summary>
    /// Sent by a starting worker to the coordinator's trainer actor once it has joined the cluster; answered
    /// with <see cref="TrainingConfig"/>, or <see cref="ConfigRefused"/> when the worker cannot take part.
    /// </summary>
    public sealed record RequestTrainingConfig
    {
        public RequestTrainingConfig(int protocolVersion)
        {
            if (protocolVersion <= 0) throw new ArgumentOutOfRangeException(nameof(protocolVersion), protocolVersion, "protocol versions start at 1");
            ProtocolVersion = protocolVersion;
        }

        public int ProtocolVersion { get; }

        public override string ToString() => $"RequestTrainingConfig(protocol {ProtocolVersion})";
    }

    /// <summary>
    /// Sent by the coordinator's trainer actor to a worker in reply to <see cref="RequestTrainingConfig"/>:
    /// the run's options, where the parameter-server shards are, the model the options make of the data
    /// (<see cref="MlpSpec.ToString"/>), the data set to hold and the shape its loaded form must have.
    /// </summary>
    public sealed record TrainingConfig
    {
        public TrainingConfig(TrainingOptions options, IReadOnlyList<ParameterServerShard> shards, string model, DatasetManifest dataset, DatasetShape shape)
        {
            ArgumentNullException.ThrowIfNull(options);
            ArgumentNullException.ThrowIfNull(shards);
            ArgumentException.ThrowIfNullOrWhiteSpace(model);
            ArgumentNullException.ThrowIfNull(dataset);
            ArgumentNullException.ThrowIfNull(shape);
            if (dataset.Dataset != options.Dataset)
                throw new ArgumentException($"the manifest describes data set '{dataset.Dataset}' but the options name '{options.Dataset}'", nameof(dataset));
            int next = 0;
            foreach (var shard in shards)
            {
                ArgumentNullException.ThrowIfNull(shard, nameof(shards));
                if (shard.Offset != next || shard.Count <= 0)
                    throw new ArgumentException($"parameter-server shard {shard} does not continue at {next} with a positive count: shards must tile the parameters in order", nameof(shards));
                next += shard.Count;
            }
            (Options, Shards, Model, Dataset, Shape) = (options, shards.ToArray(), model, dataset, shape);
        }

        public TrainingOptions Options { get; }

        /// <summary>The shards in parameter order, tiling [0, parameter count).</summary>
        public IReadOnlyList<ParameterServerShard> Shards { get; }

        /// <summary>The model, e.g. "[784-256-128-10] relu softmax-cross-entropy".</summary>
        public string Model { get; }

        public DatasetManifest Dataset { get; }

        public DatasetShape Shape { get; }

        public override string ToString() =>
            $"TrainingConfig(model {Model}, {Shards.Count} parameter-server shards, data {Dataset}, {Shape})";
    }

    /// <summary>Sent by the coordinator's trainer actor to a worker in reply to <see cref="RequestTrainingConfig"/>
    /// when it cannot take part; <see cref="Reason"/> says what differs, for the worker to print and exit.</summary>
    public sealed record ConfigRefused
    {
        public ConfigRefused(string reason)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(reason);
            Reason = reason;
        }

        public string Reason { get; }

        public override string ToString() => $"ConfigRefused({Reason})";
    }

    /// <summary>
    /// Sent by the coordinator's node to each worker node's <see cref="WorkerNodeActorName"/> actor when the run is over
    /// (finished, stopped or failed): the worker leaves the cluster and exits instead of waiting to join again.
    /// </summary>
    public sealed record RunEnded
    {
        public RunEnded(string reason)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(reason);
            Reason = reason;
        }

        public string Reason { get; }

        public override string ToString() => $"RunEnded({Reason})";
    }

    /// <summary>
    /// Sent by a worker's fetcher to the coordinator's trainer actor for each missing chunk of a data file:
    /// bytes [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="Length"/>) of <see cref="File"/>, a name
    /// from the manifest. Answered with <see cref="DataChunk"/> or <see cref="DataChunkRefused"/>.
    /// </summary>
    public sealed record FetchDataChunk
    {
        public FetchDataChunk(string file, long offset, int length)
        {
            if (!DatasetFile.IsPlainFileName(file)) throw new ArgumentException($"'{file}' is not a plain file name", nameof(file));
            if (offset < 0) throw new ArgumentOutOfRangeException(nameof(offset), offset, $"chunk of {file}: offset must not be negative");
            if (length is <= 0 or > MaxChunkLength)
                throw new ArgumentOutOfRangeException(nameof(length), length, $"chunk of {file}: length must be from 1 to {MaxChunkLength}");
            (File, Offset, Length) = (file, offset, length);
        }

        public string File { get; }
        public long Offset { get; }
        public int Length { get; }

        public override string ToString() => $"FetchDataChunk({File} [{Offset},{Offset + Length}))";
    }

    /// <summary>
    /// Sent by the coordinator's trainer actor to a worker in reply to <see cref="FetchDataChunk"/>: the
    /// file's bytes from <see cref="Offset"/>, as many as were asked for or up to the end of the file.
    /// </summary>
    public sealed record DataChunk
    {
        public DataChunk(string file, long offset, ReadOnlyMemory<byte> data)
        {
            if (!DatasetFile.IsPlainFileName(file)) throw new ArgumentException($"'{file}' is not a plain file name", nameof(file));
            if (offset < 0) throw new ArgumentOutOfRangeException(nameof(offset), offset, $"chunk of {file}: offset must not be negative");
            if (data.Length > MaxChunkLength)
                throw new ArgumentOutOfRangeException(nameof(data), data.Length, $"chunk of {file}: at most {MaxChunkLength} bytes");
            (File, Offset, Data) = (file, offset, data);
        }

        public string File { get; }
        public long Offset { get; }
        public ReadOnlyMemory<byte> Data { get; }

        public override string ToString() => $"DataChunk({File} [{Offset},{Offset + Data.Length}))";
    }

    /// <summary>Sent by the coordinator's trainer actor to a worker in reply to a <see cref="FetchDataChunk"/>
    /// it will not serve: a file not in the manifest, an offset past the end, a read error.</summary>
    public sealed record DataChunkRefused
    {
        public DataChunkRefused(string file, long offset, string reason)
        {
            ArgumentNullException.ThrowIfNull(file);
            ArgumentException.ThrowIfNullOrWhiteSpace(reason);
            (File, Offset, Reason) = (file, offset, reason);
        }

        public string File { get; }
        public long Offset { get; }
        public string Reason { get; }

        public override string ToString() => $"DataChunkRefused({File} at {Offset}: {Reason})";
    }
}
