// Initialisation: weight statistics per scheme, broken symmetry, zero biases, and determinism per seed.
using Dpt.Model;
using Dpt.Numerics;

namespace Dpt.Shared.Tests.Model;

public class InitializerSpec
{
    public static TheoryData<InitScheme> Schemes() => new(Enum.GetValues<InitScheme>());

    [Theory]
    // One (O = 400) x (I = 500) weight: 200,000 draws. Target variances: Xavier 2/(I + O), He 2/I
    // (for the uniform schemes a²/3 with a = √(6/·) gives the same).
    [InlineData(InitScheme.XavierUniform, 2.0 / 900)]
    [InlineData(InitScheme.XavierNormal, 2.0 / 900)]
    [InlineData(InitScheme.HeUniform, 2.0 / 500)]
    [InlineData(InitScheme.HeNormal, 2.0 / 500)]
    public void Weights_must_have_mean_zero_and_the_target_variance(InitScheme scheme, double variance)
    {
        var layout = new MlpSpec([500, 400], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var weight = layout["dense1.weight"].Of(Initializer.Create(layout, scheme, seed: 7)).ToArray();

        double mean = weight.Average(x => (double)x);
        double sampleVariance = weight.Sum(x => (x - mean) * (x - mean)) / (weight.Length - 1);

        Assert.InRange(mean, -4 * Math.Sqrt(variance / weight.Length), 4 * Math.Sqrt(variance / weight.Length));
        Assert.InRange(sampleVariance / variance, 0.97, 1.03);
    }

    [Theory]
    [InlineData(InitScheme.XavierUniform, 6.0 / 900)]
    [InlineData(InitScheme.HeUniform, 6.0 / 500)]
    public void Uniform_weights_must_fill_the_interval_minus_a_to_a(InitScheme scheme, double aSquared)
    {
        var layout = new MlpSpec([500, 400], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var weight = layout["dense1.weight"].Of(Initializer.Create(layout, scheme, seed: 8)).ToArray();
        float a = (float)Math.Sqrt(aSquared);

        Assert.All(weight, x => Assert.InRange(x, -a, a));
        Assert.True(weight.Max() > 0.999f * a && weight.Min() < -0.999f * a);
    }

    [Theory, MemberData(nameof(Schemes))]
    public void Columns_must_differ_so_that_hidden_units_are_not_symmetric(InitScheme scheme)
    {
        var layout = new MlpSpec([8, 16, 16, 4], Activation.Tanh, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var parameters = Initializer.Create(layout, scheme, seed: 9);
        foreach (var tensor in layout.Tensors.Where(t => t.Kind == ParameterKind.Weight))
        {
            var values = tensor.Of(parameters).ToArray();
            // A weight is (inputs, outputs): column o holds the incoming weights of unit o.
            var units = Enumerable.Range(0, tensor.Columns)
                .Select(o => string.Join(",", Enumerable.Range(0, tensor.Rows).Select(i => values[tensor.IndexOf(i, o)]))).ToArray();
            Assert.Equal(tensor.Columns, units.Distinct().Count());
            Assert.Contains(values, x => x != 0);
        }
    }

    [Theory, MemberData(nameof(Schemes))]
    public void Biases_must_be_zero_even_over_a_used_buffer(InitScheme scheme)
    {
        var layout = new MlpSpec([5, 4, 3], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var parameters = layout.Allocate();
        parameters.AsSpan().Fill(float.NaN);

        Initializer.Initialize(parameters, layout, scheme, new Rng(10));

        Assert.All(layout.Tensors, t => Assert.All(t.Of(parameters).ToArray(), x =>
        {
            Assert.True(float.IsFinite(x));
            if (t.Kind == ParameterKind.Bias) Assert.Equal(0f, x);
        }));
    }

    [Theory, MemberData(nameof(Schemes))]
    public void The_result_must_be_a_pure_function_of_layout_scheme_and_seed(InitScheme scheme)
    {
        var layout = new MlpSpec([10, 6, 3], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var first = Initializer.Create(layout, scheme, seed: 11);

        Assert.Equal(first, Initializer.Create(layout, scheme, seed: 11));
        var fromRng = layout.Allocate();
        Initializer.Initialize(fromRng, layout, scheme, new Rng(11));
        Assert.Equal(first, fromRng);
        Assert.NotEqual(first, Initializer.Create(layout, scheme, seed: 12));
    }

    [Fact]
    public void Tensors_must_draw_from_one_generator_in_layout_order()
    {
        // Biases draw nothing, so dense1.weight of [10, 6, 3] is dense1.weight of [10, 6], and
        // dense2.weight continues the same sequence instead of restarting it.
        var layout = new MlpSpec([10, 6, 3], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var prefix = new MlpSpec([10, 6], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var full = Initializer.Create(layout, InitScheme.HeNormal, seed: 13);

        Assert.Equal(layout["dense1.weight"].Of(full).ToArray(),
            prefix["dense1.weight"].Of(Initializer.Create(prefix, InitScheme.HeNormal, seed: 13)).ToArray());
        var rng = new Rng(13);
        for (int i = 0; i < 60; i++) rng.NextGaussian();
        Assert.Equal((float)(Math.Sqrt(2.0 / 6) * rng.NextGaussian()), layout["dense2.weight"].Of(full)[0]);
    }

    [Fact]
    public void Scale_must_follow_the_glorot_and_he_formulas_with_fan_in_as_rows()
    {
        Assert.Equal(Math.Sqrt(6.0 / 8), Initializer.Scale(InitScheme.XavierUniform, fanIn: 3, fanOut: 5));
        Assert.Equal(Math.Sqrt(2.0 / 8), Initializer.Scale(InitScheme.XavierNormal, fanIn: 3, fanOut: 5));
        Assert.Equal(Math.Sqrt(6.0 / 3), Initializer.Scale(InitScheme.HeUniform, fanIn: 3, fanOut: 5));
        Assert.Equal(0.5, Initializer.Scale(InitScheme.HeNormal, fanIn: 8, fanOut: 1));

        // A 50 x 1 weight (50 inputs, 1 output) has fan_in 50: He bounds it by √(6/50), not √(6/1).
        var layout = new MlpSpec([50, 1], Activation.Relu, OutputLoss.LinearMeanSquaredError).CreateLayout();
        Assert.All(Initializer.Create(layout, InitScheme.HeUniform, seed: 14)[..50], x => Assert.InRange(x, -0.35f, 0.35f));
    }

    [Fact]
    public void Initialize_must_refuse_a_buffer_of_the_wrong_length_or_an_unknown_scheme()
    {
        var layout = new MlpSpec([3, 2], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var length = Assert.Throws<ArgumentException>(() => Initializer.Initialize(new float[7], layout, InitScheme.HeNormal, new Rng(1)));
        Assert.Equal("parameters", length.ParamName);
        Assert.Contains("has 7 floats but the layout has 8", length.Message);
        var scheme = Assert.Throws<ArgumentOutOfRangeException>(() => Initializer.Create(layout, (InitScheme)7, seed: 1));
        Assert.Equal("scheme", scheme.ParamName);
        Assert.StartsWith("scheme must be one of XavierUniform, XavierNormal, HeUniform, HeNormal; got 7", scheme.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Initializer.Scale(InitScheme.HeNormal, fanIn: 0, fanOut: 1));
    }
}
