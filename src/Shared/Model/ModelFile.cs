// A trained model as `dpt train` saves it and `dpt evaluate` loads it: the network's spec, its parameters,
// the feature scaler fitted on the training data (so new data is scaled the same way), the class names,
// and for a synthetic data set the sample count and seed it was drawn with (so it can be drawn again).
using System.Text.Json.Nodes;
using Dpt.Data;

namespace Dpt.Model;

public sealed record ModelFile(MlpSpec Spec, float[] Parameters, FeatureScaler Scaler, IReadOnlyList<string>? ClassNames, string Dataset)
{
    private const string Magic = "DPTMODEL";

    /// <summary>Synthetic sets: the training sample count the data was drawn with (--samples); null if not recorded.</summary>
    public int? SyntheticCount { get; init; }

    /// <summary>Synthetic sets: the seed the data was drawn with (--seed); null if not recorded.</summary>
    public ulong? Seed { get; init; }

    public void Save(string path)
    {
        var header = new JsonObject
        {
            ["format"] = 1,
            ["dataset"] = Dataset,
            ["layers"] = new JsonArray(Spec.LayerSizes.Select(s => (JsonNode)s).ToArray()),
            ["activation"] = Spec.Hidden.ToString(),
            ["loss"] = Spec.Loss.ToString(),
            ["leaky_slope"] = Spec.LeakySlope,
            ["weight_storage"] = $"column panels of {Numerics.ColumnPanels.Width}",
            ["scaling"] = Scaler.Kind.ToString(),
            ["classes"] = ClassNames is null ? null : new JsonArray(ClassNames.Select(c => (JsonNode)c!).ToArray()),
            ["samples"] = SyntheticCount,
            ["seed"] = Seed,
        };
        TensorFile.Write(path, Magic, header,
            [("parameters", Parameters), ("scaler.offset", Scaler.Offset.ToArray()), ("scaler.scale", Scaler.Scale.ToArray())]);
    }

    public static ModelFile Load(string path)
    {
        var (h, t) = TensorFile.Read(path, Magic, "model file");
        try
        {
            var spec = new MlpSpec(h["layers"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray(),
                Enum.Parse<Activation>(h["activation"]!.GetValue<string>()), Enum.Parse<OutputLoss>(h["loss"]!.GetValue<string>()),
                h["leaky_slope"]!.GetValue<float>());
            var parameters = t["parameters"];
            if (parameters.Length != spec.CreateLayout().Length)
                throw new InvalidDataException($"{path}: has {parameters.Length} parameters; a {spec} network has {spec.CreateLayout().Length}");
            var scaler = FeatureScaler.FromParameters(Enum.Parse<ScalingKind>(h["scaling"]!.GetValue<string>()), t["scaler.offset"], t["scaler.scale"]);
            if (scaler.FeatureCount != spec.Inputs)
                throw new InvalidDataException($"{path}: its feature scaler has {scaler.FeatureCount} features; a {spec} network takes {spec.Inputs}");
            var classes = h["classes"]?.AsArray().Select(x => x!.GetValue<string>()).ToArray();
            int classCount = spec.Outputs == 1 ? 2 : spec.Outputs;
            if (classes is not null && classes.Length < classCount)
                throw new InvalidDataException($"{path}: names {classes.Length} classes; a {spec} network tells {classCount} apart");
            return new ModelFile(spec, parameters, scaler, classes, h["dataset"]?.GetValue<string>() ?? "")
            {
                SyntheticCount = h["samples"]?.GetValue<int>(),
                Seed = h["seed"]?.GetValue<ulong>(),
            };
        }
        catch (Exception e) when (e is KeyNotFoundException or NullReferenceException or ArgumentException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: the model file's header is incomplete or invalid: {e.Message}", e);
        }
    }
}
