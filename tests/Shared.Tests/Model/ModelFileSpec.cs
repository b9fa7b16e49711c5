// A saved model must load as the same network (spec, every bit of the parameters, the scaler fitted on
// its training data, the class names, the data set), and a file that cannot describe a usable model
// must be refused with an InvalidDataException naming the file, so `dpt evaluate` fails in one line.
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Dpt.Data;
using Dpt.Model;
using Dpt.Shared.Tests.Data;

namespace Dpt.Shared.Tests.Model;

public sealed class ModelFileSpec : IDisposable
{
    private readonly TempDirectory _directory = new();

    // 3 inputs, 4 hidden, 2 outputs: (3·4 + 4) + (4·2 + 2) = 26 parameters.
    private static readonly MlpSpec Spec = new([3, 4, 2], Activation.LeakyRelu, OutputLoss.SoftmaxCrossEntropy, leakySlope: 0.125f);

    private static float[] Parameters(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        values[0] = -0f;
        values[1] = float.Epsilon;
        return values;
    }

    private static ModelFile Sample() => new(Spec, Parameters(Spec.CreateLayout().Length, 11),
        FeatureScaler.FromParameters(ScalingKind.Standardize, [0.5f, -1f, 2f], [2f, 0.25f, 1f / 3]), ["cat", "dog"], "csv")
    {
        SyntheticCount = 1234,
        Seed = 0xFEEDFACE_CAFEBEEF,
    };

    [Fact]
    public void Saving_and_loading_must_give_back_the_same_model()
    {
        var saved = Sample();
        string path = _directory.File("model.dpt");

        saved.Save(path);
        var loaded = ModelFile.Load(path);

        Assert.Equal(saved.Spec.LayerSizes, loaded.Spec.LayerSizes);
        Assert.Equal((saved.Spec.Hidden, saved.Spec.Loss, saved.Spec.LeakySlope), (loaded.Spec.Hidden, loaded.Spec.Loss, loaded.Spec.LeakySlope));
        Assert.Equal(Bits(saved.Parameters), Bits(loaded.Parameters));
        Assert.Equal(saved.Scaler.Kind, loaded.Scaler.Kind);
        Assert.Equal(saved.Scaler.Offset.ToArray(), loaded.Scaler.Offset.ToArray());
        Assert.Equal(saved.Scaler.Scale.ToArray(), loaded.Scaler.Scale.ToArray());
        Assert.Equal(saved.ClassNames, loaded.ClassNames);
        Assert.Equal("csv", loaded.Dataset);
        Assert.Equal((1234, 0xFEEDFACE_CAFEBEEF), (loaded.SyntheticCount, loaded.Seed));
    }

    [Fact]
    public void A_model_without_class_names_or_synthetic_data_must_load_without_them()
    {
        string path = _directory.File("model.dpt");
        (Sample() with { ClassNames = null, SyntheticCount = null, Seed = null }).Save(path);

        var loaded = ModelFile.Load(path);
        Assert.Null(loaded.ClassNames);
        Assert.Equal((null, null), (loaded.SyntheticCount, loaded.Seed));
    }

    [Fact]
    public void A_damaged_model_file_must_be_refused_naming_the_file()
    {
        string path = _directory.File("model.dpt");
        Sample().Save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^1]);

        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
        Assert.Equal($"{path}: the model file is damaged or truncated (its SHA-256 does not match)", e.Message);
    }

    public static TheoryData<string, string> Unusable => new()
    {
        // What is changed in a saved model's header or tensors, and what the message must say.
        { "parameters: 25", "has 25 parameters; a" },
        { "layers: [3, 0, 2]", "incomplete or invalid" },
        { "layers: missing", "incomplete or invalid" },
        { "activation: Swish", "incomplete or invalid" },
        { "scaling: Zscore", "incomplete or invalid" },
        { "scaler: 2 features", "scaler has 2 features; a" },
        { "scaler: missing", "incomplete or invalid" },
        { "classes: [\"cat\"]", "names 1 classes" },
    };

    [Theory]
    [MemberData(nameof(Unusable))]
    public void A_model_file_that_cannot_describe_a_usable_model_must_be_refused_as_invalid_data(string change, string problem)
    {
        var model = Sample();
        var header = new JsonObject
        {
            ["format"] = 1, ["dataset"] = "csv", ["layers"] = new JsonArray(3, 4, 2), ["activation"] = "LeakyRelu",
            ["loss"] = "SoftmaxCrossEntropy", ["leaky_slope"] = 0.125f, ["scaling"] = "Standardize", ["classes"] = new JsonArray("cat", "dog"),
        };
        var tensors = new List<(string, float[])>
        {
            ("parameters", model.Parameters), ("scaler.offset", model.Scaler.Offset.ToArray()), ("scaler.scale", model.Scaler.Scale.ToArray()),
        };
        switch (change)
        {
            case "parameters: 25": tensors[0] = ("parameters", model.Parameters[..25]); break;
            case "layers: [3, 0, 2]": header["layers"] = new JsonArray(3, 0, 2); break;
            case "layers: missing": header.Remove("layers"); break;
            case "activation: Swish": header["activation"] = "Swish"; break;
            case "scaling: Zscore": header["scaling"] = "Zscore"; break;
            case "scaler: 2 features": tensors[1] = ("scaler.offset", [0f, 0f]); tensors[2] = ("scaler.scale", [1f, 1f]); break;
            case "scaler: missing": tensors.RemoveAt(2); break;
            case "classes: [\"cat\"]": header["classes"] = new JsonArray("cat"); break;
        }
        string path = _directory.File("crafted.dpt");
        TensorFile.Write(path, "DPTMODEL", header, tensors);

        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
        Assert.StartsWith($"{path}: ", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Another_kind_of_file_must_be_refused_as_not_a_model_file()
    {
        string path = _directory.File("checkpoint.dpt");
        TensorFile.Write(path, "DPTCKPT1", new JsonObject(), [("parameters", new float[26])]);

        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
        Assert.Contains("not a model file", e.Message);
    }

    public void Dispose() => _directory.Dispose();

    private static int[] Bits(float[] values) => MemoryMarshal.Cast<float, int>(values).ToArray();
}
