// Clipping by global norm: sums of squares over ranges and shards, the factor formula, and refused inputs.
using Dpt.Numerics;
using Dpt.Optimization;

namespace Dpt.Shared.Tests.Optimization;

public class GradientClippingSpec
{
    [Fact]
    public void SumOfSquares_over_a_range_must_match_the_scalar_reference_and_shards_must_add_up()
    {
        var x = ScalarReference.RandomValues(new Rng(61), 1000);
        for (int offset = 0; offset < 20; offset++)
            for (int count = 0; count < 70; count += 7)
            {
                double expected = ScalarReference.SumOfSquares(x.AsSpan(offset, count));
                Assert.Equal(expected, GradientClipping.SumOfSquares(x, offset, count), expected * 1e-13);
            }
        double whole = GradientClipping.SumOfSquares(x);
        double shards = GradientClipping.SumOfSquares(x, 0, 333) + GradientClipping.SumOfSquares(x, 333, 400) + GradientClipping.SumOfSquares(x, 733, 267);
        Assert.Equal(whole, shards, whole * 1e-13);
    }

    [Fact]
    public void SumOfSquares_must_refuse_a_range_outside_the_buffer()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.SumOfSquares(new float[10], 8, 3));
        Assert.Contains("[8, 11)", error.Message);
    }

    [Fact]
    public void Factor_must_be_one_below_the_limit_and_max_norm_over_norm_plus_epsilon_above()
    {
        var clipping = new GradientClipping(maxNorm: 2f);
        Assert.Equal(1f, clipping.Factor(0));
        Assert.Equal(1f, clipping.Factor(1.5));
        Assert.Equal((float)(2 / (2 + 1e-6)), clipping.Factor(2));
        Assert.Equal((float)(2 / (8 + 1e-6)), clipping.Factor(8));
        Assert.Equal((float)(2 / (1e6 + 1e-6)), clipping.Factor(1e6));
    }

    [Fact]
    public void ClippedScale_must_bring_the_averaged_gradient_norm_to_max_norm()
    {
        // Eight samples each with gradient (3, 4): the sum is (24, 32), the average (3, 4) of norm 5.
        float[] gradientSum = [24f, 32f];
        var clipping = new GradientClipping(maxNorm: 1f);
        double sumOfSquares = GradientClipping.SumOfSquares(gradientSum);
        Assert.Equal(5.0, GradientClipping.GlobalNorm(sumOfSquares, 1f / 8), 1e-12);

        float scale = clipping.ClippedScale(sumOfSquares, 1f / 8);

        Assert.Equal(1f / 8 / (5 + 1e-6), scale, 1e-9);
        Assert.Equal(1.0, Math.Sqrt(GradientClipping.SumOfSquares(gradientSum)) * scale, 1e-6);
        Assert.Equal(1f / 8, new GradientClipping(maxNorm: 10f).ClippedScale(sumOfSquares, 1f / 8));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_non_finite_gradient_must_be_reported_not_clipped(double sumOfSquares)
    {
        var error = Assert.Throws<ArgumentException>(() => new GradientClipping(1f).ClippedScale(sumOfSquares, 1f));
        Assert.Equal("sumOfSquares", error.ParamName);
        Assert.Contains("NaN or an infinity", error.Message);
    }

    [Theory]
    [InlineData(0f, "maxNorm must be finite and > 0; got 0")]
    [InlineData(-1f, "maxNorm must be finite and > 0; got -1")]
    [InlineData(float.NaN, "maxNorm must be finite and > 0; got NaN")]
    [InlineData(float.PositiveInfinity, "maxNorm must be finite and > 0; got Infinity")]
    public void MaxNorm_must_be_finite_and_positive(float maxNorm, string message)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new GradientClipping(maxNorm));
        Assert.Equal("maxNorm", error.ParamName);
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void ToString_must_name_the_limit()
    {
        Assert.Equal("clip global norm to 1.5", new GradientClipping(1.5f).ToString());
    }
}
