// The worker's side of data distribution: makes a directory holding exactly the manifest's files, either
// the user's own copy (--data-dir, checked against the manifest's hashes and never written to) or the
// cache (datasets/<manifest sha256>/<file>), fetching a missing or damaged file chunk by chunk from the
// coordinator with a few requests in flight, into a temporary file that is hashed and then renamed into place.
using Dpt.Actors;
using static Dpt.Training.Join.JoinProtocol;

namespace Dpt.Training.Join;

/// <summary>Where a worker finds or puts its data, and how it fetches.</summary>
public sealed record DatasetFetcherOptions
{
    /// <summary>The user's own copy of the data set's files (--data-dir): used as is, after checking every hash; null to use the cache.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The cache root (--cache-dir); files go to datasets/&lt;manifest sha256&gt;/ under it. Default <see cref="DefaultCacheDirectory"/>.</summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory();

    /// <summary>Bytes per request, 1 to <see cref="JoinProtocol.MaxChunkLength"/>. Default 1 MiB.</summary>
    public int ChunkSize { get; init; } = 1 << 20;

    /// <summary>Requests in flight at once, at least 1. Default 4: enough to hide a round trip, few enough not to
    /// queue megabytes ahead of training traffic on the coordinator's connection.</summary>
    public int Window { get; init; } = 4;

    /// <summary>How long one request may take before it is retried. Default 30 s.</summary>
    public TimeSpan ChunkTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts per chunk before the fetch fails, at least 1. Default 4.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>$XDG_CACHE_HOME/dpt, else ~/.cache/dpt.</summary>
    public static string DefaultCacheDirectory() =>
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? Path.Combine(xdg, "dpt")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "dpt");

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(CacheDirectory, nameof(CacheDirectory));
        if (ChunkSize is <= 0 or > MaxChunkLength) throw new ArgumentOutOfRangeException(nameof(ChunkSize), ChunkSize, $"expected 1 to {MaxChunkLength} bytes");
        if (Window <= 0) throw new ArgumentOutOfRangeException(nameof(Window), Window, "at least one request must be in flight");
        if (ChunkTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ChunkTimeout), ChunkTimeout, "must be positive");
        if (MaxAttempts <= 0) throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "at least one attempt");
    }
}

/// <summary>Progress of <see cref="DatasetFetcher.PrepareAsync"/>: bytes of the whole data set present and verified
/// or fetched so far, out of <see cref="BytesTotal"/>; <see cref="File"/> is the file the last bytes belong to.</summary>
public readonly record struct FetchProgress(string File, long BytesDone, long BytesTotal);

/// <summary>The outcome of <see cref="DatasetFetcher.PrepareAsync"/>.</summary>
/// <param name="Directory">Holds every manifest file under its name; null for a synthetic set.</param>
/// <param name="BytesFetched">Bytes received from the coordinator (0 when everything was cached or local).</param>
/// <param name="FetchedFiles">The files fetched, rather than found.</param>
public sealed record PreparedDataset(string? Directory, long BytesFetched, IReadOnlyList<string> FetchedFiles);

/// <summary>A data file on this worker is not the coordinator's: the message names the file and both hashes.</summary>
public sealed class DatasetMismatchException(string message) : Exception(message);

/// <summary>A fetch from the coordinator failed: refused, or out of attempts (the message names the chunk and the last error).</summary>
public sealed class DatasetFetchException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Sends one chunk request to the coordinator and returns its reply (<see cref="DataChunk"/> or
/// <see cref="DataChunkRefused"/>); throws on timeout. The seam tests use to drop or delay replies.</summary>
public delegate Task<object> ChunkRequester(FetchDataChunk request, TimeSpan timeout, CancellationToken cancellationToken);

public sealed class DatasetFetcher
{
    private readonly DatasetFetcherOptions _options;
    private readonly ChunkRequester _request;

    public DatasetFetcher(DatasetFetcherOptions options, ChunkRequester request)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(request);
        options.Validate();
        (_options, _request) = (options, request);
    }

    /// <summary>Fetches from <paramref name="trainer"/>, the coordinator's trainer actor, by Ask.</summary>
    public DatasetFetcher(DatasetFetcherOptions options, IActorRef trainer)
        : this(options, (r, timeout, ct) => trainer.Ask(r, timeout, ct)) =>
        ArgumentNullException.ThrowIfNull(trainer);

    /// <summary>The cache folder of <paramref name="manifest"/>'s files.</summary>
    public string CacheFolderOf(DatasetManifest manifest) => Path.Combine(_options.CacheDirectory, "datasets", manifest.Sha256);

    /// <summary>
    /// Makes the manifest's files available and verified; returns the directory that holds them.
    /// <paramref name="progress"/> is called after each verified file and each received chunk.
    /// </summary>
    /// <exception cref="DatasetMismatchException">A --data-dir file is missing or differs, or a fetched file's hash is not the manifest's.</exception>
    /// <exception cref="DatasetFetchException">The coordinator refused a chunk, or a chunk failed every attempt.</exception>
    public async Task<PreparedDataset> PrepareAsync(DatasetManifest manifest, Action<FetchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.IsSynthetic) return new PreparedDataset(null, 0, []);
        if (_options.DataDirectory is { } own)
        {
            await CheckOwnCopyAsync(manifest, own, progress, cancellationToken).ConfigureAwait(false);
            return new PreparedDataset(own, 0, []);
        }

        string folder = CacheFolderOf(manifest);
        Directory.CreateDirectory(folder);
        long done = 0, fetched = 0;
        var fetchedFiles = new List<string>();
        foreach (var file in manifest.Files)
        {
            string path = Path.Combine(folder, file.Name);
            if (!await IsIntactAsync(path, file, cancellationToken).ConfigureAwait(false))
            {
                long before = done;
                await FetchAsync(file, path, bytes => progress?.Invoke(new FetchProgress(file.Name, before + bytes, manifest.TotalLength)), cancellationToken).ConfigureAwait(false);
                fetched += file.Length;
                fetchedFiles.Add(file.Name);
            }
            done += file.Length;
            progress?.Invoke(new FetchProgress(file.Name, done, manifest.TotalLength));
        }
        return new PreparedDataset(folder, fetched, fetchedFiles);
    }

    private static async Task CheckOwnCopyAsync(DatasetManifest manifest, string directory, Action<FetchProgress>? progress, CancellationToken cancellationToken)
    {
        long done = 0;
        foreach (var file in manifest.Files)
        {
            string path = Path.Combine(directory, file.Name);
            if (!File.Exists(path))
                throw new DatasetMismatchException(
                    $"--data-dir {directory}: {file.Name} is missing; the coordinator's data set {manifest.Dataset} has it ({file.Length} bytes, sha256 {file.Sha256})");
            var (length, sha256) = await HashAsync(path, cancellationToken).ConfigureAwait(false);
            if (sha256 != file.Sha256)
                throw new DatasetMismatchException(
                    $"--data-dir {directory}: {file.Name} differs from the coordinator's: sha256 coordinator {file.Sha256} ({file.Length} bytes), " +
                    $"worker {sha256} ({length} bytes); copy the coordinator's file or leave out --data-dir to receive it");
            done += file.Length;
            progress?.Invoke(new FetchProgress(file.Name, done, manifest.TotalLength));
        }
    }

    /// <summary>True if <paramref name="path"/> holds exactly <paramref name="file"/>'s bytes.</summary>
    private static async Task<bool> IsIntactAsync(string path, DatasetFile file, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length != file.Length) return false;
        return (await HashAsync(path, cancellationToken).ConfigureAwait(false)).Sha256 == file.Sha256;
    }

    private async Task FetchAsync(DatasetFile file, string path, Action<long> progress, CancellationToken cancellationToken)
    {
        // A hidden name (manifest names never start with '.') in the same folder, so the rename is atomic.
        string temp = Path.Combine(Path.GetDirectoryName(path)!, $".{file.Name}.{Guid.NewGuid():N}.part");
        try
        {
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, file.Length))
                await FetchChunksAsync(file, handle, progress, cancellationToken).ConfigureAwait(false);
            var (length, sha256) = await HashAsync(temp, cancellationToken).ConfigureAwait(false);
            if (sha256 != file.Sha256)
                throw new DatasetMismatchException(
                    $"{file.Name} as received from the coordinator has sha256 {sha256} ({length} bytes) but the manifest says {file.Sha256} ({file.Length} bytes): the coordinator's copy changed, or the transfer corrupted it");
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp); // nothing left behind after a failure; a no-op after the rename
        }
    }

    /// <summary>Keeps up to <see cref="DatasetFetcherOptions.Window"/> requests in flight, writing each chunk at its offset as it arrives.</summary>
    private async Task FetchChunksAsync(DatasetFile file, Microsoft.Win32.SafeHandles.SafeFileHandle handle, Action<long> progress, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inFlight = new List<Task<DataChunk>>(_options.Window);
        long next = 0, received = 0;
        try
        {
            while (next < file.Length || inFlight.Count > 0)
            {
                while (next < file.Length && inFlight.Count < _options.Window)
                {
                    int length = (int)Math.Min(_options.ChunkSize, file.Length - next);
                    inFlight.Add(FetchChunkAsync(new FetchDataChunk(file.Name, next, length), stop.Token));
                    next += length;
                }
                var completed = await Task.WhenAny(inFlight).ConfigureAwait(false);
                inFlight.Remove(completed);
                var chunk = await completed.ConfigureAwait(false);
                RandomAccess.Write(handle, chunk.Data.Span, chunk.Offset);
                received += chunk.Data.Length;
                progress(received);
            }
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try { await Task.WhenAll(inFlight).ConfigureAwait(false); } catch { /* the first failure is the one reported */ }
            throw;
        }
    }

    /// <summary>One chunk, retried after a timeout, an error or a malformed reply, up to the attempt limit; a refusal is final.</summary>
    private async Task<DataChunk> FetchChunkAsync(FetchDataChunk request, CancellationToken cancellationToken)
    {
        Exception? last = null;
        for (int attempt = 1; attempt <= _options.MaxAttempts; attempt++)
        {
            if (attempt > 1) await Task.Delay(TimeSpan.FromMilliseconds(100 * (1 << Math.Min(attempt - 2, 5))), cancellationToken).ConfigureAwait(false);
            object reply;
            try
            {
                reply = await _request(request, _options.ChunkTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                last = e;
                continue;
            }
            switch (reply)
            {
                case DataChunk chunk when chunk.File == request.File && chunk.Offset == request.Offset && chunk.Data.Length == request.Length:
                    return chunk;
                case DataChunk chunk:
                    last = new InvalidDataException($"the reply {chunk} does not match the request {request}");
                    break;
                case DataChunkRefused refused:
                    throw new DatasetFetchException($"the coordinator refused {request}: {refused.Reason}");
                default:
                    last = new InvalidDataException($"unexpected reply {reply} to {request}");
                    break;
            }
        }
        throw new DatasetFetchException(
            $"fetching {request.File} [{request.Offset},{request.Offset + request.Length}) from the coordinator failed {_options.MaxAttempts} times; last error: {last?.Message}", last);
    }

    private static async Task<(long Length, string Sha256)> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        byte[] hash = await System.Security.Cryptography.SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        return (stream.Length, Convert.ToHexStringLower(hash));
    }
}
