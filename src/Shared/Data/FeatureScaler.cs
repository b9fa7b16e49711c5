// Per-feature scaling x' = (x − offset) · scale: fitted on the training set, then applied unchanged,
// in place, to every set the model sees (validation, test, a worker's copy). Offsets and scales are
// plain arrays so a model file can store them and a later process can rebuild the same scaler.
using System.Numerics.Tensors;

namespace Dpt.Data;

/// <summary>How <see cref="FeatureScaler.Fit(ScalingKind, Dataset)"/> chooses each feature's offset and scale.</summary>
public enum ScalingKind
{
    /// <summary>x' = x.</summary>
    None,

    /// <summary>x' = x / 255: byte pixels to [0, 1]. Needs no fitting.</summary>
    Divide255,

    /// <summary>x' = (x − min) / (max − min) per feature, so the training set spans [0, 1]; constant features map to 0.</summary>
    MinMax,

    /// <summary>x' = (x − mean) / standard deviation per feature (z-score); zero-variance features map to 0.</summary>
    Standardize,
}

/// <summary>A fitted per-feature affine map x' = (x − Offset[f]) · Scale[f] over F = <see cref="FeatureCount"/> features.</summary>
public sealed class FeatureScaler
{
    private readonly float[] _offset;
    private readonly float[] _scale;

    private FeatureScaler(ScalingKind kind, float[] offset, float[] scale)
    {
        Kind = kind;
        _offset = offset;
        _scale = scale;
    }

    /// <summary>How the parameters were chosen.</summary>
    public ScalingKind Kind { get; }

    /// <summary>F, the number of features the scaler applies to.</summary>
    public int FeatureCount => _offset.Length;

    /// <summary>Subtracted from each feature first, (F).</summary>
    public ReadOnlySpan<float> Offset => _offset;

    /// <summary>Multiplies each feature after the offset is subtracted, (F); 0 for a feature that carries no information.</summary>
    public ReadOnlySpan<float> Scale => _scale;

    /// <summary>Fits a scaler of the given kind on <paramref name="train"/>'s features.</summary>
    public static FeatureScaler Fit(ScalingKind kind, Dataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        return Fit(kind, train.Features, train.FeatureCount);
    }

    /// <summary>Fits a scaler of the given kind on <paramref name="features"/>, (N, F) row-major with F = <paramref name="featureCount"/>.</summary>
    /// <exception cref="ArgumentException">The shapes disagree, or MinMax/Standardize is asked of zero examples.</exception>
    public static FeatureScaler Fit(ScalingKind kind, ReadOnlySpan<float> features, int featureCount)
    {
        if (featureCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, $"feature count {featureCount} must be positive");
        if (features.Length % featureCount != 0)
            throw new ArgumentException($"{features.Length} feature values are not a whole number of rows of {featureCount}", nameof(features));
        int count = features.Length / featureCount;
        var offset = new float[featureCount];
        var scale = new float[featureCount];
        switch (kind)
        {
            case ScalingKind.None:
                scale.AsSpan().Fill(1);
                break;
            case ScalingKind.Divide255:
                scale.AsSpan().Fill(1 / 255f);
                break;
            case ScalingKind.MinMax:
                RequireExamples(kind, count);
                FitMinMax(features, offset, scale);
                break;
            case ScalingKind.Standardize:
                RequireExamples(kind, count);
                FitStandardize(features, offset, scale);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, $"unknown scaling kind {(int)kind}");
        }
        return new FeatureScaler(kind, offset, scale);
    }

    /// <summary>Rebuilds a scaler from saved parameters, e.g. from a model file. A None scaler must be the identity.</summary>
    /// <exception cref="ArgumentException">The arrays differ in length, are empty, or hold a non-finite value.</exception>
    public static FeatureScaler FromParameters(ScalingKind kind, ReadOnlySpan<float> offset, ReadOnlySpan<float> scale)
    {
        if (!Enum.IsDefined(kind))
            throw new ArgumentOutOfRangeException(nameof(kind), kind, $"unknown scaling kind {(int)kind}");
        if (offset.Length != scale.Length || offset.Length == 0)
            throw new ArgumentException($"offset has {offset.Length} values and scale {scale.Length}; both need one per feature and at least one");
        for (int f = 0; f < offset.Length; f++)
        {
            if (!float.IsFinite(offset[f]) || !float.IsFinite(scale[f]))
                throw new ArgumentException($"feature {f} has offset {offset[f]} and scale {scale[f]}; both must be finite");
            if (kind == ScalingKind.None && (offset[f] != 0 || scale[f] != 1))
                throw new ArgumentException($"a None scaler is the identity, but feature {f} has offset {offset[f]} and scale {scale[f]}");
        }
        return new FeatureScaler(kind, offset.ToArray(), scale.ToArray());
    }

    /// <summary>Scales <paramref name="data"/>'s features in place.</summary>
    public void Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.FeatureCount != FeatureCount)
            throw new ArgumentException($"data set '{data.Name}' has {data.FeatureCount} features but the scaler was fitted on {FeatureCount}", nameof(data));
        Apply(data.Features);
    }

    /// <summary>Scales <paramref name="features"/>, (N, F) row-major, in place.</summary>
    public void Apply(Span<float> features)
    {
        if (features.Length % FeatureCount != 0)
            throw new ArgumentException($"{features.Length} feature values are not a whole number of rows of {FeatureCount}", nameof(features));
        if (Kind == ScalingKind.None)
            return;
        for (int start = 0; start < features.Length; start += FeatureCount)
        {
            Span<float> row = features.Slice(start, FeatureCount);
            TensorPrimitives.Subtract(row, _offset, row);
            TensorPrimitives.Multiply(row, _scale, row);
        }
    }

    /// <summary>The kind and the parameter ranges, for logs.</summary>
    public override string ToString() =>
        $"{Kind} scaler over {FeatureCount} features (offset {TensorPrimitives.Min(_offset):G4}..{TensorPrimitives.Max(_offset):G4}, scale {TensorPrimitives.Min(_scale):G4}..{TensorPrimitives.Max(_scale):G4})";

    private static void FitMinMax(ReadOnlySpan<float> features, float[] min, float[] scale)
    {
        int f = min.Length;
        var max = new float[f];
        features[..f].CopyTo(min);
        features[..f].CopyTo(max);
        for (int start = f; start < features.Length; start += f)
        {
            ReadOnlySpan<float> row = features.Slice(start, f);
            TensorPrimitives.Min(row, min, min);
            TensorPrimitives.Max(row, max, max);
        }
        for (int j = 0; j < f; j++)
            scale[j] = Reciprocal((double)max[j] - min[j]);
    }

    // Two passes in double, mean then squared deviations: a constant feature gets exactly zero
    // variance (its mean is exactly its value), and large offsets cost no precision.
    private static void FitStandardize(ReadOnlySpan<float> features, float[] mean, float[] scale)
    {
        int f = mean.Length;
        int count = features.Length / f;
        var sum = new double[f];
        for (int start = 0; start < features.Length; start += f)
        {
            ReadOnlySpan<float> row = features.Slice(start, f);
            for (int j = 0; j < f; j++) sum[j] += row[j];
        }
        for (int j = 0; j < f; j++) sum[j] /= count;

        var squares = new double[f];
        for (int start = 0; start < features.Length; start += f)
        {
            ReadOnlySpan<float> row = features.Slice(start, f);
            for (int j = 0; j < f; j++)
            {
                double d = row[j] - sum[j];
                squares[j] += d * d;
            }
        }
        for (int j = 0; j < f; j++)
        {
            mean[j] = (float)sum[j];
            scale[j] = Reciprocal(Math.Sqrt(squares[j] / count));
        }
    }

    // 1 / spread, or 0 for a feature without spread (or one so small its reciprocal overflows float),
    // so such a feature maps to a constant 0 instead of dividing by zero.
    private static float Reciprocal(double spread)
    {
        float r = (float)(1 / spread);
        return spread > 0 && float.IsFinite(r) ? r : 0;
    }

    private static void RequireExamples(ScalingKind kind, int count)
    {
        if (count == 0)
            throw new ArgumentException($"cannot fit a {kind} scaler on zero examples");
    }
}
