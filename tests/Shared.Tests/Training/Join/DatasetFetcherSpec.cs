// A worker's data, end to end in one process: a DatasetServer actor serves a few-MB file in small chunks
// to a DatasetFetcher; the cache then holds the same bytes and a second run fetches nothing; a damaged
// cache file is fetched again; a --data-dir copy that differs is refused; lost replies are retried.
using Dpt.Data;
using Dpt.Shared.Tests.Data;
using Dpt.Training;
using Dpt.Training.Join;
using Xunit.Abstractions;
using static Dpt.Training.Join.JoinProtocol;

namespace Dpt.Shared.Tests.Training.Join;

public sealed class DatasetFetcherSpec : TestKit.TestKit
{
    private const int ChunkSize = 64 << 10;

    private readonly TempDirectory _dir = new();
    private readonly byte[] _big, _small;
    private readonly DatasetSource _source;
    private readonly Dpt.Actors.IActorRef _server;
    private int _requests;

    public DatasetFetcherSpec(ITestOutputHelper output) : base(output)
    {
        string served = _dir.Sub("served");
        _big = JoinFixtures.WriteRandomFile(Path.Combine(served, "train.bin"), 3_000_000 + 17, 1);
        _small = JoinFixtures.WriteRandomFile(Path.Combine(served, "test.bin"), 1_000, 2);
        _source = DatasetSource.FromFiles("csv", [("train.bin", Path.Combine(served, "train.bin")), ("test.bin", Path.Combine(served, "test.bin"))]);
        _server = Sys.ActorOf(DatasetServer.Props(JoinFixtures.ConfigFor(_source), _source), TrainerActorName);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }

    private DatasetFetcherOptions Options => new() { CacheDirectory = Path.Combine(_dir.Path, "cache"), ChunkSize = ChunkSize, ChunkTimeout = TimeSpan.FromSeconds(10) };

    /// <summary>A fetcher that asks the server and counts the requests.</summary>
    private DatasetFetcher Fetcher(DatasetFetcherOptions? options = null) =>
        new(options ?? Options, (request, timeout, ct) =>
        {
            Interlocked.Increment(ref _requests);
            return Dpt.Actors.AskExtensions.Ask(_server, request, timeout, ct);
        });

    [Fact]
    public async Task DatasetFetcher_must_fetch_into_the_cache_the_same_bytes_and_report_progress_to_the_total()
    {
        var progress = new List<FetchProgress>();
        var prepared = await Fetcher().PrepareAsync(_source.Manifest, p => { lock (progress) progress.Add(p); });

        Assert.Equal(Path.Combine(_dir.Path, "cache", "datasets", _source.Manifest.Sha256), prepared.Directory);
        Assert.Equal(_big, File.ReadAllBytes(Path.Combine(prepared.Directory!, "train.bin")));
        Assert.Equal(_small, File.ReadAllBytes(Path.Combine(prepared.Directory!, "test.bin")));
        Assert.Equal(["train.bin", "test.bin"], Directory.EnumerateFiles(prepared.Directory!).Select(Path.GetFileName).Order().Reverse());
        Assert.Equal(_big.Length + _small.Length, prepared.BytesFetched);
        Assert.Equal((_big.Length + ChunkSize - 1) / ChunkSize + 1, _requests);
        Assert.Equal(_big.Length + _small.Length, progress[^1].BytesDone);
        Assert.All(progress, p => Assert.Equal(_big.Length + _small.Length, p.BytesTotal));
        Assert.Equal(progress.Select(p => p.BytesDone).Order(), progress.Select(p => p.BytesDone));
    }

    [Fact]
    public async Task DatasetFetcher_must_use_the_cache_on_a_second_run_without_fetching()
    {
        await Fetcher().PrepareAsync(_source.Manifest);
        _requests = 0;

        var again = await Fetcher().PrepareAsync(_source.Manifest);

        Assert.Equal(0, _requests);
        Assert.Equal(0, again.BytesFetched);
        Assert.Empty(again.FetchedFiles);
    }

    [Fact]
    public async Task DatasetFetcher_must_fetch_again_a_cache_file_that_is_damaged_or_truncated()
    {
        var first = await Fetcher().PrepareAsync(_source.Manifest);
        string big = Path.Combine(first.Directory!, "train.bin"), small = Path.Combine(first.Directory!, "test.bin");
        using (var f = File.OpenWrite(big)) { f.Position = 1_234_567; f.WriteByte((byte)~_big[1_234_567]); }
        File.WriteAllBytes(small, _small.AsSpan(0, 500).ToArray());
        _requests = 0;

        var second = await Fetcher().PrepareAsync(_source.Manifest);

        Assert.Equal(["train.bin", "test.bin"], second.FetchedFiles);
        Assert.Equal(_big, File.ReadAllBytes(big));
        Assert.Equal(_small, File.ReadAllBytes(small));
        Assert.DoesNotContain(Directory.EnumerateFiles(first.Directory!), f => Path.GetFileName(f).StartsWith('.'));
    }

    [Fact]
    public async Task DatasetFetcher_must_refuse_a_data_dir_file_that_differs_naming_the_file_and_both_hashes()
    {
        string own = _dir.Sub("own");
        File.WriteAllBytes(Path.Combine(own, "train.bin"), _big);
        byte[] other = (byte[])_small.Clone();
        other[0] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(own, "test.bin"), other);
        string otherSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(other));

        var e = await Assert.ThrowsAsync<DatasetMismatchException>(() => Fetcher(Options with { DataDirectory = own }).PrepareAsync(_source.Manifest));

        Assert.Contains("test.bin differs from the coordinator's", e.Message);
        Assert.Contains($"coordinator {_source.Manifest.Files[1].Sha256}", e.Message);
        Assert.Contains($"worker {otherSha}", e.Message);
        Assert.Equal(0, _requests);
    }

    [Fact]
    public async Task DatasetFetcher_must_use_a_matching_data_dir_as_it_is()
    {
        string own = _dir.Sub("own");
        File.WriteAllBytes(Path.Combine(own, "train.bin"), _big);
        File.WriteAllBytes(Path.Combine(own, "test.bin"), _small);

        var prepared = await Fetcher(Options with { DataDirectory = own }).PrepareAsync(_source.Manifest);

        Assert.Equal(own, prepared.Directory);
        Assert.Equal(0, _requests);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "cache")));
    }

    [Fact]
    public async Task DatasetFetcher_must_name_a_file_missing_from_the_data_dir()
    {
        string own = _dir.Sub("own");
        File.WriteAllBytes(Path.Combine(own, "train.bin"), _big);

        var e = await Assert.ThrowsAsync<DatasetMismatchException>(() => Fetcher(Options with { DataDirectory = own }).PrepareAsync(_source.Manifest));
        Assert.Contains("test.bin is missing", e.Message);
    }

    [Fact]
    public async Task DatasetFetcher_must_retry_lost_replies_and_report_a_chunk_that_fails_every_attempt()
    {
        // The first two requests for every third chunk are lost: the third attempt must still assemble the file.
        var attempts = new System.Collections.Concurrent.ConcurrentDictionary<(string, long), int>();
        var flaky = new DatasetFetcher(Options with { MaxAttempts = 3 }, (request, timeout, ct) =>
            request.Offset / ChunkSize % 3 == 0 && attempts.AddOrUpdate((request.File, request.Offset), 1, (_, n) => n + 1) <= 2
                ? Task.FromException<object>(new TimeoutException("lost"))
                : Dpt.Actors.AskExtensions.Ask(_server, request, timeout, ct));
        var prepared = await flaky.PrepareAsync(_source.Manifest);
        Assert.Equal(_big, File.ReadAllBytes(Path.Combine(prepared.Directory!, "train.bin")));
        Assert.Equal(_small, File.ReadAllBytes(Path.Combine(prepared.Directory!, "test.bin")));
        Assert.All(attempts.Values, n => Assert.Equal(3, n));

        var dead = new DatasetFetcher(Options with { CacheDirectory = _dir.Sub("cache2"), MaxAttempts = 2 },
            (request, timeout, ct) => request.Offset == 2 * ChunkSize ? Task.FromException<object>(new TimeoutException("no reply")) : Dpt.Actors.AskExtensions.Ask(_server, request, timeout, ct));
        var e = await Assert.ThrowsAsync<DatasetFetchException>(() => dead.PrepareAsync(_source.Manifest));
        Assert.Equal($"fetching train.bin [{2 * ChunkSize},{3 * ChunkSize}) from the coordinator failed 2 times; last error: no reply", e.Message);
        Assert.Empty(Directory.EnumerateFiles(_dir.Sub("cache2"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task DatasetFetcher_must_stop_at_a_refusal_with_the_coordinators_reason()
    {
        // A manifest the server does not serve: the same file under another name.
        var foreign = new DatasetManifest("csv", [new DatasetFile("other.bin", _small.Length, _source.Manifest.Files[1].Sha256)]);

        var e = await Assert.ThrowsAsync<DatasetFetchException>(() => Fetcher().PrepareAsync(foreign));

        Assert.Equal("the coordinator refused FetchDataChunk(other.bin [0,1000)): 'other.bin' is not a file of data set csv (its files: train.bin, test.bin)", e.Message);
        Assert.Equal(1, _requests);
    }

    [Fact]
    public async Task A_synthetic_set_must_need_no_directory_and_no_fetch()
    {
        var prepared = await Fetcher().PrepareAsync(DatasetSource.ForOptions(new TrainingOptions { Dataset = "xor" }).Manifest);
        Assert.Null(prepared.Directory);
        Assert.Equal(0, _requests);
    }

    [Fact]
    public async Task A_fetched_csv_set_must_load_with_the_coordinators_shape_and_a_different_one_must_be_refused()
    {
        string train = _dir.File("iris.csv"), test = _dir.File("iris-test.csv");
        JoinFixtures.WriteCsv(train, 200, 1);
        JoinFixtures.WriteCsv(test, 40, 2);
        var options = new TrainingOptions { Dataset = "csv", DataPath = train, TestPath = test, Hidden = [8], ValidationSplit = 0.1 };
        var source = DatasetSource.ForOptions(options);
        var coordinatorData = TrainingData.Load(options);
        var shape = DatasetShape.Of(coordinatorData);
        var config = new TrainingConfig(options, [], options.ModelFor(shape.Features, shape.Outputs).ToString(), source.Manifest, shape);
        var server = Sys.ActorOf(DatasetServer.Props(config, source), "csv-trainer");

        var prepared = await new DatasetFetcher(Options, server).PrepareAsync(config.Dataset);
        var workerData = JoinedData.Load(config, prepared.Directory);

        Assert.Equal(new DatasetShape(4, 3, 180, 20, 40), DatasetShape.Of(workerData));
        Assert.Equal(coordinatorData.Train.Features, workerData.Train.Features);
        var wrong = new TrainingConfig(options, [], config.Model, source.Manifest, shape with { TrainCount = 181 });
        Assert.Equal("data set csv as loaded on this worker differs from the coordinator's: training samples: coordinator 181, worker 180",
            Assert.Throws<DatasetMismatchException>(() => JoinedData.Load(wrong, prepared.Directory)).Message);
        var otherModel = new TrainingConfig(options, [], "[4-16-3] relu softmax-cross-entropy", source.Manifest, shape);
        Assert.Equal("this worker's model differs from the coordinator's: model: coordinator [4-16-3] relu softmax-cross-entropy, worker [4-8-3] relu softmax-cross-entropy",
            Assert.Throws<DatasetMismatchException>(() => JoinedData.Load(otherModel, prepared.Directory)).Message);
    }

    [FashionMnistFact]
    public async Task FashionMnist_must_be_used_from_a_data_dir_holding_the_installed_files()
    {
        var source = DatasetSource.ForOptions(new TrainingOptions());
        var prepared = await Fetcher(Options with { DataDirectory = MnistFormat.FashionMnistDirectory }).PrepareAsync(source.Manifest);
        Assert.Equal(MnistFormat.FashionMnistDirectory, prepared.Directory);
        Assert.Equal(0, _requests);
    }
}
