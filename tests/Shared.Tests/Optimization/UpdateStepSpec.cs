// The per-step scalars: Adam's t from the 0-based step, and validation of every value.
using Dpt.Optimization;

namespace Dpt.Shared.Tests.Optimization;

public class UpdateStepSpec
{
    [Fact]
    public void T_must_be_the_one_based_count_of_the_zero_based_step()
    {
        var step = new UpdateStep(0, 0.1f, 0.5f);
        Assert.Equal(1, step.T);
        Assert.Equal(42, new UpdateStep(41, 0.1f, 0.5f).T);
        Assert.Equal("step 0 (lr=0.1, gradient scale=0.5)", step.ToString());
    }

    [Theory]
    [InlineData(-1L, 0.1f, 1f, "step", "step must be >= 0; got -1")]
    [InlineData(0L, 0f, 1f, "learningRate", "learningRate must be finite and > 0; got 0")]
    [InlineData(0L, -0.5f, 1f, "learningRate", "learningRate must be finite and > 0; got -0.5")]
    [InlineData(0L, float.NaN, 1f, "learningRate", "learningRate must be finite and > 0; got NaN")]
    [InlineData(0L, float.PositiveInfinity, 1f, "learningRate", "learningRate must be finite and > 0; got Infinity")]
    [InlineData(0L, 0.1f, -1f, "gradientScale", "gradientScale must be finite and >= 0; got -1")]
    [InlineData(0L, 0.1f, float.NaN, "gradientScale", "gradientScale must be finite and >= 0; got NaN")]
    public void UpdateStep_must_refuse_invalid_values_naming_them(long step, float learningRate, float gradientScale, string parameter, string message)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new UpdateStep(step, learningRate, gradientScale));
        Assert.Equal(parameter, error.ParamName);
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void A_zero_gradient_scale_must_be_allowed()
    {
        Assert.Equal(0f, new UpdateStep(3, 0.1f, 0f).GradientScale);
    }
}
