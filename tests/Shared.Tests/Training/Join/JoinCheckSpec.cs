// A mismatched worker is refused with one message naming every difference and both sides' values; a
// worker that states only its protocol (it has not loaded the run yet) is judged on that alone.
using Dpt.Training.Join;

namespace Dpt.Shared.Tests.Training.Join;

public class JoinCheckSpec
{
    private const string Model = "[784-256-128-10] relu softmax-cross-entropy";
    private static readonly string DataA = "3f2a" + new string('0', 60), DataB = "9c1b" + new string('0', 60);
    private static readonly JoinIdentity Coordinator = new(1, Model, DataA);

    [Fact]
    public void JoinCheck_must_accept_an_equal_identity_and_one_that_states_only_its_protocol()
    {
        Assert.Null(JoinCheck.Compare(Coordinator, Coordinator with { }));
        Assert.Null(JoinCheck.Compare(Coordinator, new JoinIdentity(1)));
    }

    [Fact]
    public void JoinCheck_must_name_every_difference_with_both_values()
    {
        var worker = new JoinIdentity(2, "[784-100-10] relu softmax-cross-entropy", DataB);
        Assert.Equal(
            "protocol: coordinator 1, worker 2; model: coordinator [784-256-128-10] relu softmax-cross-entropy, worker [784-100-10] relu softmax-cross-entropy; " +
            "data set hash: coordinator 3f2a00000000…, worker 9c1b00000000…",
            JoinCheck.Compare(Coordinator, worker));
    }

    [Fact]
    public void JoinCheck_must_show_full_hashes_when_the_short_ones_look_equal()
    {
        string close = DataA[..63] + "1";
        Assert.Equal($"data set hash: coordinator {DataA}, worker {close}", JoinCheck.Compare(Coordinator, Coordinator with { DataSha256 = close }));
    }

    [Fact]
    public void JoinMetadata_must_round_trip_a_workers_identity_through_the_validator()
    {
        var metadata = JoinMetadata.For(Coordinator);
        Assert.Equal(new Dictionary<string, string> { ["dpt.protocol"] = "1", ["dpt.model"] = Model, ["dpt.data"] = DataA }, metadata);
        Assert.Null(JoinMetadata.Validator(Coordinator)(metadata));
        Assert.Equal(["dpt.protocol"], JoinMetadata.For(new JoinIdentity(1)).Keys);
    }

    [Fact]
    public void JoinMetadata_must_refuse_a_mismatch_a_missing_protocol_and_a_malformed_one()
    {
        Assert.Equal("worker refused: protocol: coordinator 1, worker 2",
            JoinMetadata.Validate(Coordinator, new Dictionary<string, string> { [JoinMetadata.ProtocolKey] = "2" }));
        Assert.StartsWith("the worker states no dpt.protocol",
            JoinMetadata.Validate(Coordinator, new Dictionary<string, string>()));
        Assert.StartsWith("the worker's dpt.protocol ' 1' is not a protocol version",
            JoinMetadata.Validate(Coordinator, new Dictionary<string, string> { [JoinMetadata.ProtocolKey] = " 1" }));
    }

    [Fact]
    public void DatasetShape_must_name_each_count_that_differs()
    {
        var c = new DatasetShape(784, 10, 60_000, 0, 10_000);
        Assert.Null(DatasetShape.Compare(c, c with { }));
        Assert.Equal("features: coordinator 784, worker 783; test samples: coordinator 10000, worker 9999",
            DatasetShape.Compare(c, c with { Features = 783, TestCount = 9_999 }));
    }
}
