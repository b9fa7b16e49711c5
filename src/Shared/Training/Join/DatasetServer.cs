// The coordinator's trainer endpoint for joining workers: answers RequestTrainingConfig with the run's
// configuration and FetchDataChunk with bytes of a manifest file, read at the requested offset (one chunk
// in memory per request, never a whole file). Registered as the top-level actor JoinProtocol.TrainerActorName.
using Dpt.Actors;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using static Dpt.Training.Join.JoinProtocol;

namespace Dpt.Training.Join;

public sealed class DatasetServer : ReceiveActor
{
    private readonly TrainingConfig _config;
    private readonly DatasetSource _source;
    private readonly Dictionary<string, SafeFileHandle> _open = new(StringComparer.Ordinal);

    /// <summary>Serves <paramref name="config"/>, and the files of <paramref name="source"/>, whose manifest must be the config's.</summary>
    public DatasetServer(TrainingConfig config, DatasetSource source)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(source);
        if (!config.Dataset.Equals(source.Manifest))
            throw new ArgumentException($"the config's data set {config.Dataset} is not the source's {source.Manifest}", nameof(source));
        (_config, _source) = (config, source);
        Receive<RequestTrainingConfig>(r => Sender.Tell(Answer(r), Self));
        Receive<FetchDataChunk>(f => Sender.Tell(Serve(f), Self));
    }

    public static Props Props(TrainingConfig config, DatasetSource source) =>
        Actors.Props.Create(() => new DatasetServer(config, source));

    /// <summary>The reply to a worker's request: the config if it speaks this protocol.</summary>
    internal object Answer(RequestTrainingConfig request) =>
        request.ProtocolVersion == JoinProtocol.CurrentVersion
            ? _config
            : new ConfigRefused($"protocol: worker speaks protocol {request.ProtocolVersion}, coordinator {JoinProtocol.CurrentVersion}; run the same dpt release on every machine");

    private object Serve(FetchDataChunk request)
    {
        if (_source.Refusal(request) is { } reason)
        {
            Log.LogWarning("refused {Request} from {Sender}: {Reason}", request, Sender, reason);
            return new DataChunkRefused(request.File, request.Offset, reason);
        }
        try
        {
            var handle = Open(request.File);
            long expected = _source.Manifest.Find(request.File)!.Length;
            long length = RandomAccess.GetLength(handle);
            if (length != expected)
                return new DataChunkRefused(request.File, request.Offset,
                    $"{_source.PathOf(request.File)} changed on the coordinator after it was hashed: {length} bytes, the manifest says {expected}; restart the run");
            var data = new byte[(int)Math.Min(request.Length, length - request.Offset)];
            for (int read = 0; read < data.Length;)
            {
                int n = RandomAccess.Read(handle, data.AsSpan(read), request.Offset + read);
                if (n == 0) throw new EndOfStreamException($"{_source.PathOf(request.File)} ended at {request.Offset + read} bytes");
                read += n;
            }
            return new DataChunk(request.File, request.Offset, data);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogWarning(e, "cannot serve {Request}", request);
            return new DataChunkRefused(request.File, request.Offset, $"read failed on the coordinator: {e.Message}");
        }
    }

    private SafeFileHandle Open(string file)
    {
        if (!_open.TryGetValue(file, out var handle))
            _open[file] = handle = File.OpenHandle(_source.PathOf(file), FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        return handle;
    }

    protected override void PostStop()
    {
        foreach (var handle in _open.Values) handle.Dispose();
        _open.Clear();
    }
}
