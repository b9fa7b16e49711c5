// The coordinator's trainer endpoint: the config for a worker of its protocol, a clear refusal otherwise;
// the bytes asked for of a manifest file, and never anything outside the manifest or past a file's end.
using Dpt.Training.Join;
using Xunit.Abstractions;
using static Dpt.Training.Join.JoinProtocol;

namespace Dpt.Shared.Tests.Training.Join;

public sealed class DatasetServerSpec : TestKit.TestKit
{
    private readonly TempDirectory _dir = new();
    private readonly byte[] _bytes;
    private readonly TrainingConfig _config;
    private readonly Dpt.Actors.IActorRef _server;

    public DatasetServerSpec(ITestOutputHelper output) : base(output)
    {
        _bytes = JoinFixtures.WriteRandomFile(_dir.File("train.csv"), 10_000, 3);
        var source = DatasetSource.FromFiles("csv", [("train.csv", _dir.File("train.csv"))]);
        _config = JoinFixtures.ConfigFor(source);
        _server = Sys.ActorOf(DatasetServer.Props(_config, source), TrainerActorName);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _dir.Dispose();
    }

    [Fact]
    public void DatasetServer_must_answer_a_worker_of_its_protocol_with_the_config()
    {
        _server.Tell(new RequestTrainingConfig(CurrentVersion));
        Assert.Same(_config, ExpectMsg<TrainingConfig>());
    }

    [Fact]
    public void DatasetServer_must_refuse_a_worker_of_another_protocol_naming_both_versions()
    {
        _server.Tell(new RequestTrainingConfig(CurrentVersion + 1));
        Assert.StartsWith($"protocol: worker speaks protocol {CurrentVersion + 1}, coordinator {CurrentVersion}", ExpectMsg<ConfigRefused>().Reason);
    }

    [Fact]
    public void DatasetServer_must_serve_the_bytes_asked_for_and_a_short_last_chunk()
    {
        _server.Tell(new FetchDataChunk("train.csv", 1_000, 4_096));
        var chunk = ExpectMsg<DataChunk>();
        Assert.Equal(("train.csv", 1_000L), (chunk.File, chunk.Offset));
        Assert.Equal(_bytes.AsSpan(1_000, 4_096), chunk.Data.Span);

        _server.Tell(new FetchDataChunk("train.csv", 8_192, 4_096));
        Assert.Equal(_bytes.AsSpan(8_192), ExpectMsg<DataChunk>().Data.Span);
    }

    [Fact]
    public void DatasetServer_must_refuse_a_file_not_in_the_manifest()
    {
        File.WriteAllText(_dir.File("secret.txt"), "not to be served");
        _server.Tell(new FetchDataChunk("secret.txt", 0, 100));
        var refused = ExpectMsg<DataChunkRefused>();
        Assert.Equal("'secret.txt' is not a file of data set csv (its files: train.csv)", refused.Reason);
    }

    [Fact]
    public void DatasetServer_must_refuse_an_offset_at_or_past_the_end()
    {
        _server.Tell(new FetchDataChunk("train.csv", 10_000, 100));
        Assert.Equal("offset 10000 is at or past the end of train.csv (10000 bytes)", ExpectMsg<DataChunkRefused>().Reason);
    }

    [Fact]
    public void DatasetServer_must_refuse_a_file_that_changed_since_it_was_hashed()
    {
        File.AppendAllText(_dir.File("train.csv"), "more");
        _server.Tell(new FetchDataChunk("train.csv", 0, 100));
        Assert.Contains("changed on the coordinator after it was hashed: 10004 bytes, the manifest says 10000", ExpectMsg<DataChunkRefused>().Reason);
    }
}
