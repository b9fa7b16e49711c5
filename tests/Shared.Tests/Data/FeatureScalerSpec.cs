using Dpt.Data;
using Dpt.Numerics;

namespace Dpt.Shared.Tests.Data;

public class FeatureScalerSpec
{
    /// <summary>(N, F) with feature f drawn from N(f, (f + 1)²) and feature 1 constant 5, from a fixed seed.</summary>
    private static Dataset Sample(int count, int featureCount, ulong seed)
    {
        var rng = new Rng(seed);
        var features = new float[count * featureCount];
        for (int i = 0; i < count; i++)
            for (int f = 0; f < featureCount; f++)
                features[i * featureCount + f] = f == 1 ? 5f : (float)(f + (f + 1) * rng.NextGaussian());
        return Dataset.ForClassification("sample", features, featureCount, new int[count], 1);
    }

    private static (double Mean, double Std) Column(Dataset data, int f)
    {
        double mean = Enumerable.Range(0, data.Count).Average(i => data.FeatureRow(i)[f]);
        double variance = Enumerable.Range(0, data.Count).Average(i => Math.Pow(data.FeatureRow(i)[f] - mean, 2));
        return (mean, Math.Sqrt(variance));
    }

    [Fact]
    public void Divide255_must_map_byte_pixels_to_the_unit_interval_without_fitting()
    {
        var data = Dataset.ForClassification("pixels", [0, 51, 255, 127.5f], 2, [0, 0], 1);

        FeatureScaler scaler = FeatureScaler.Fit(ScalingKind.Divide255, data);
        scaler.Apply(data);

        Assert.Equal([0f, 0.2f, 1f, 0.5f], data.Features, (a, b) => Math.Abs(a - b) <= 1e-6f);
    }

    [Fact]
    public void None_must_leave_the_features_unchanged()
    {
        Dataset data = Sample(10, 3, 1);
        float[] before = (float[])data.Features.Clone();

        FeatureScaler.Fit(ScalingKind.None, data).Apply(data);

        Assert.Equal(before, data.Features);
    }

    [Fact]
    public void MinMax_must_map_the_training_set_onto_zero_to_one_and_constant_features_to_zero()
    {
        Dataset train = Sample(500, 4, 1);

        FeatureScaler.Fit(ScalingKind.MinMax, train).Apply(train);

        Assert.All(train.Features, v => Assert.False(float.IsNaN(v)));
        for (int f = 0; f < 4; f++)
        {
            float[] column = Enumerable.Range(0, train.Count).Select(i => train.FeatureRow(i)[f]).ToArray();
            if (f == 1)
            {
                Assert.All(column, v => Assert.Equal(0f, v));
                continue;
            }
            Assert.Equal(0f, column.Min());
            Assert.Equal(1f, column.Max(), 1e-6f);
        }
    }

    [Fact]
    public void Standardize_must_give_the_training_set_zero_mean_unit_deviation_and_zero_variance_features_zero()
    {
        Dataset train = Sample(2000, 5, 2);

        FeatureScaler.Fit(ScalingKind.Standardize, train).Apply(train);

        for (int f = 0; f < 5; f++)
        {
            var (mean, std) = Column(train, f);
            if (f == 1)
            {
                Assert.All(Enumerable.Range(0, train.Count), i => Assert.Equal(0f, train.FeatureRow(i)[1]));
                continue;
            }
            Assert.Equal(0, mean, 1e-5);
            Assert.Equal(1, std, 1e-4);
        }
    }

    [Theory]
    [InlineData(ScalingKind.MinMax)]
    [InlineData(ScalingKind.Standardize)]
    public void A_scaler_fitted_on_train_must_apply_the_trains_parameters_to_another_set(ScalingKind kind)
    {
        Dataset train = Sample(300, 3, 3);
        Dataset test = Sample(50, 3, 4);
        float[] original = (float[])test.Features.Clone();

        FeatureScaler scaler = FeatureScaler.Fit(kind, train);
        scaler.Apply(test);

        for (int k = 0; k < original.Length; k++)
        {
            int f = k % 3;
            float expected = (original[k] - scaler.Offset[f]) * scaler.Scale[f];
            Assert.Equal(expected, test.Features[k]);
        }
        if (kind == ScalingKind.MinMax)
        {
            float trainMin = Enumerable.Range(0, train.Count).Min(i => train.FeatureRow(i)[0]);
            Assert.Equal(trainMin, scaler.Offset[0]); // the offset is train's minimum, whatever test holds
        }
    }

    [Fact]
    public void Apply_must_match_a_scalar_reference_for_every_feature_count_across_vector_widths()
    {
        for (int featureCount = 1; featureCount <= 40; featureCount++)
        {
            Dataset data = Sample(7, featureCount, (ulong)featureCount);
            float[] original = (float[])data.Features.Clone();
            FeatureScaler scaler = FeatureScaler.Fit(ScalingKind.Standardize, data);

            scaler.Apply(data);

            for (int k = 0; k < original.Length; k++)
            {
                int f = k % featureCount;
                Assert.Equal((original[k] - scaler.Offset[f]) * scaler.Scale[f], data.Features[k]);
            }
        }
    }

    [Fact]
    public void FromParameters_must_rebuild_a_scaler_that_scales_identically()
    {
        Dataset train = Sample(100, 6, 5);
        FeatureScaler fitted = FeatureScaler.Fit(ScalingKind.Standardize, train);

        FeatureScaler restored = FeatureScaler.FromParameters(fitted.Kind, fitted.Offset.ToArray(), fitted.Scale.ToArray());
        Dataset a = Sample(20, 6, 6), b = Sample(20, 6, 6);
        fitted.Apply(a);
        restored.Apply(b);

        Assert.Equal(a.Features, b.Features);
        Assert.Equal((ScalingKind.Standardize, 6), (restored.Kind, restored.FeatureCount));
    }

    [Fact]
    public void FromParameters_must_reject_inconsistent_parameters()
    {
        Assert.Contains("offset has 2 values and scale 3", Assert.Throws<ArgumentException>(() => FeatureScaler.FromParameters(ScalingKind.MinMax, [0, 0], [1, 1, 1])).Message);
        Assert.Contains("feature 1 has offset NaN and scale 1; both must be finite", Assert.Throws<ArgumentException>(() => FeatureScaler.FromParameters(ScalingKind.MinMax, [0, float.NaN], [1, 1])).Message);
        Assert.Contains("a None scaler is the identity, but feature 0 has offset 0 and scale 2", Assert.Throws<ArgumentException>(() => FeatureScaler.FromParameters(ScalingKind.None, [0], [2])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => FeatureScaler.FromParameters((ScalingKind)9, [0], [1]));
    }

    [Fact]
    public void Fitting_or_applying_must_reject_mismatched_shapes_and_empty_sets()
    {
        FeatureScaler scaler = FeatureScaler.Fit(ScalingKind.Divide255, new float[6], 3);

        Assert.Contains("has 2 features but the scaler was fitted on 3", Assert.Throws<ArgumentException>(() => scaler.Apply(Sample(4, 2, 1))).Message);
        Assert.Contains("5 feature values are not a whole number of rows of 3", Assert.Throws<ArgumentException>(() => scaler.Apply(new float[5])).Message);
        Assert.Contains("cannot fit a Standardize scaler on zero examples", Assert.Throws<ArgumentException>(() => FeatureScaler.Fit(ScalingKind.Standardize, [], 3)).Message);
        Assert.Contains("cannot fit a MinMax scaler on zero examples", Assert.Throws<ArgumentException>(() => FeatureScaler.Fit(ScalingKind.MinMax, [], 3)).Message);
    }

    [Fact]
    public void ToString_must_name_the_kind_and_the_feature_count()
    {
        Assert.StartsWith("MinMax scaler over 4 features", FeatureScaler.Fit(ScalingKind.MinMax, Sample(10, 4, 1)).ToString());
    }
}
