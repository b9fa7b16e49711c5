// A checkpoint must bring back exactly what was saved (the options, where the run stands, every bit of
// the parameters and the optimizer state), and a file that cannot be a valid checkpoint must be refused
// with an InvalidDataException naming the file and the problem, never another exception.
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dpt.Coordinator.Runs;
using Dpt.Coordinator.Tests.Cli;
using Dpt.Data;
using Dpt.Model;
using Dpt.Optimization;
using Dpt.Training;

namespace Dpt.Coordinator.Tests.Runs;

public sealed class CheckpointSpec : IDisposable
{
    private readonly TempDirectory _directory = new();

    /// <summary>Options with every property away from its default, so a property lost on the way shows.</summary>
    private static readonly TrainingOptions Unusual = new()
    {
        Dataset = "csv", DataPath = "/data/train.csv", TestPath = "/data/test.csv", LabelColumn = "species", SyntheticCount = 123,
        Scaling = ScalingKind.MinMax, ValidationSplit = 0.25, Hidden = [7, 5, 3], Activation = Activation.LeakyRelu, LeakySlope = 0.2f,
        Loss = OutputLoss.SigmoidBinaryCrossEntropy, Init = InitScheme.XavierNormal,
        Optimizer = new OptimizerOptions { Kind = OptimizerKind.Adam, Momentum = 0.5f, Beta1 = 0.8f, Beta2 = 0.99f, Epsilon = 1e-6f, WeightDecay = 0.01f },
        LearningRate = 0.003f, Schedule = ScheduleKind.Cosine, Decay = 0.7f, StepSize = 3, MinLearningRate = 1e-5f, WarmupSteps = 17,
        ClipNorm = 2.5f, BatchSize = 77, Epochs = 9, Workers = 3, Seed = 0xFEEDFACE_CAFEBEEF, Balance = ShardSplit.Equal, StopAtAccuracy = 0.9,
        ParameterServerShards = 1,
    };

    /// <summary>Floats whose bits a careless round trip would change: signed zeros, a subnormal, infinities, a NaN payload.</summary>
    private static float[] Awkward(int length, int seed)
    {
        var values = new float[length];
        var random = new Random(seed);
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        float[] special = [-0f, 0f, float.Epsilon, -float.Epsilon, float.PositiveInfinity, float.NegativeInfinity, BitConverter.Int32BitsToSingle(0x7FC0_1234)];
        special.AsSpan(0, Math.Min(special.Length, length)).CopyTo(values);
        return values;
    }

    private static Checkpoint Sample() =>
        new(Unusual, Epoch: 4, StepInEpoch: 11, Step: 4 * 20 + 11, ElapsedSeconds: 12.345678901234, Awkward(300, 1), [Awkward(300, 2), Awkward(300, 3)]);

    [Fact]
    public void Saving_and_loading_must_restore_every_bit_of_the_state_and_every_option()
    {
        var saved = Sample();
        string path = _directory.File("checkpoint.dpt");

        saved.Save(path);
        var loaded = Checkpoint.Load(path);

        Assert.Equal(JsonSerializer.Serialize(saved.Options, Checkpoint.Json), JsonSerializer.Serialize(loaded.Options, Checkpoint.Json));
        Assert.Equal(saved.Options.Hidden, loaded.Options.Hidden);
        Assert.Equal(saved.Options.Optimizer, loaded.Options.Optimizer);
        Assert.Equal((saved.Epoch, saved.StepInEpoch, saved.Step, saved.ElapsedSeconds), (loaded.Epoch, loaded.StepInEpoch, loaded.Step, loaded.ElapsedSeconds));
        AssertBitIdentical(saved.Parameters, loaded.Parameters);
        Assert.Equal(saved.OptimizerState.Length, loaded.OptimizerState.Length);
        for (int i = 0; i < saved.OptimizerState.Length; i++) AssertBitIdentical(saved.OptimizerState[i], loaded.OptimizerState[i]);
    }

    [Fact]
    public void A_checkpoint_without_optimizer_state_must_load_with_none()
    {
        string path = _directory.File("sgd.dpt");
        (Sample() with { Options = new TrainingOptions { Optimizer = new() { Kind = OptimizerKind.Sgd } }, OptimizerState = [] }).Save(path);

        Assert.Empty(Checkpoint.Load(path).OptimizerState);
    }

    [Fact]
    public void Saving_must_leave_only_the_checkpoint_in_the_folder()
    {
        Sample().Save(_directory.File("checkpoint.dpt"));
        Sample().Save(_directory.File("checkpoint.dpt"));

        Assert.Equal(["checkpoint.dpt"], _directory.Entries());
    }

    [Fact]
    public void A_changed_byte_must_be_refused_as_damaged()
    {
        string path = _directory.File("checkpoint.dpt");
        Sample().Save(path);
        var bytes = File.ReadAllBytes(path);
        bytes[^100] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("damaged", e.Message);
    }

    [Fact]
    public void A_model_file_must_be_refused_as_not_a_checkpoint()
    {
        string path = _directory.File("model.dpt");
        new ModelFile(new MlpSpec([2, 3, 2], Activation.Relu, OutputLoss.SoftmaxCrossEntropy), new float[17],
            FeatureScaler.FromParameters(ScalingKind.None, [0f, 0f], [1f, 1f]), null, "xor").Save(path);

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not a checkpoint", e.Message);
    }

    public static TheoryData<string, string> Headers => new()
    {
        // A header the checksum vouches for (it was written so) that still cannot be a checkpoint.
        { """{"step_in_epoch": 0, "step": 0, "elapsed_s": 0, "options": {}}""", "incomplete or invalid" },
        { """{"epoch": "four", "step_in_epoch": 0, "step": 0, "elapsed_s": 0, "options": {}}""", "incomplete or invalid" },
        { """{"epoch": 1, "step_in_epoch": 0, "step": 0, "elapsed_s": 0}""", "no training options" },
        { """{"epoch": 1, "step_in_epoch": 0, "step": 0, "elapsed_s": 0, "options": {"hidden": null}}""", "no training options" },
        { """{"epoch": 1, "step_in_epoch": 0, "step": 0, "elapsed_s": 0, "options": {"optimizer": {"momentum": 1.5}}}""", "incomplete or invalid" },
        { """{"epoch": 1, "step_in_epoch": 0, "step": 0, "elapsed_s": 0, "options": {"batch_size": 0}}""", "--batch-size" },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void A_header_that_cannot_describe_a_checkpoint_must_be_refused_as_invalid_data(string header, string problem)
    {
        string path = _directory.File("crafted.dpt");
        TensorFile.Write(path, "DPTCKPT1", JsonNode.Parse(header)!.AsObject(), [("parameters", new float[3])]);

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void A_checkpoint_without_parameters_must_be_refused_as_invalid_data()
    {
        string path = _directory.File("empty.dpt");
        var header = JsonNode.Parse("""{"epoch": 1, "step_in_epoch": 0, "step": 0, "elapsed_s": 0}""")!.AsObject();
        header["options"] = JsonSerializer.SerializeToNode(new TrainingOptions(), Checkpoint.Json);
        TensorFile.Write(path, "DPTCKPT1", header, []);

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains(path, e.Message);
    }

    public void Dispose() => _directory.Dispose();

    private static void AssertBitIdentical(float[] expected, float[] actual) =>
        Assert.Equal(MemoryMarshal.Cast<float, int>(expected).ToArray(), MemoryMarshal.Cast<float, int>(actual).ToArray());
}
