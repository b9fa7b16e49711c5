// Optimizer options: defaults, the factory, readable ToString and one clear message per invalid hyper-parameter.
using Dpt.Optimization;

namespace Dpt.Shared.Tests.Optimization;

public class OptimizerOptionsSpec
{
    [Fact]
    public void Defaults_must_be_plain_sgd_with_pytorch_adam_constants()
    {
        var options = new OptimizerOptions();
        Assert.Equal(OptimizerKind.Sgd, options.Kind);
        Assert.Equal((0.9f, 0.9f, 0.999f, 1e-8f, 0f), (options.Momentum, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay));
    }

    [Fact]
    public void Create_must_build_the_optimizer_of_the_kind_with_its_hyper_parameters()
    {
        Assert.IsType<SgdOptimizer>(new OptimizerOptions { Kind = OptimizerKind.Sgd }.Create());
        var momentum = Assert.IsType<MomentumOptimizer>(new OptimizerOptions { Kind = OptimizerKind.Momentum, Momentum = 0.8f }.Create());
        Assert.False(momentum.Nesterov);
        Assert.Equal(0.8f, momentum.Momentum);
        var nesterov = Assert.IsType<MomentumOptimizer>(new OptimizerOptions { Kind = OptimizerKind.Nesterov, WeightDecay = 1e-4f }.Create());
        Assert.True(nesterov.Nesterov);
        Assert.Equal(1e-4f, nesterov.WeightDecay);
        var adam = Assert.IsType<AdamOptimizer>(new OptimizerOptions { Kind = OptimizerKind.Adam, Beta1 = 0.8f, Beta2 = 0.99f, Epsilon = 1e-6f }.Create());
        Assert.Equal((0.8f, 0.99f, 1e-6f), (adam.Beta1, adam.Beta2, adam.Epsilon));
        foreach (var kind in Enum.GetValues<OptimizerKind>())
        {
            var options = new OptimizerOptions { Kind = kind, WeightDecay = 0.01f };
            Assert.Equal(options, options.Create().Options);
        }
    }

    [Fact]
    public void ToString_must_show_only_the_hyper_parameters_the_kind_uses()
    {
        Assert.Equal("sgd(wd=0.0005)", new OptimizerOptions { WeightDecay = 5e-4f }.ToString());
        Assert.Equal("momentum(mu=0.9, wd=0)", new OptimizerOptions { Kind = OptimizerKind.Momentum }.ToString());
        Assert.Equal("nesterov(mu=0.95, wd=0)", new OptimizerOptions { Kind = OptimizerKind.Nesterov, Momentum = 0.95f }.ToString());
        Assert.Equal("adamw(beta1=0.9, beta2=0.999, eps=1E-08, wd=0.01)", new OptimizerOptions { Kind = OptimizerKind.Adam, WeightDecay = 0.01f }.ToString());
    }

    public static TheoryData<Func<OptimizerOptions>, string, string> InvalidOptions() => new()
    {
        { () => new OptimizerOptions { Momentum = 1f }, "Momentum", "Momentum must be in [0, 1); got 1" },
        { () => new OptimizerOptions { Momentum = -0.1f }, "Momentum", "Momentum must be in [0, 1); got -0.1" },
        { () => new OptimizerOptions { Beta1 = 1f }, "Beta1", "Beta1 must be in [0, 1); got 1" },
        { () => new OptimizerOptions { Beta2 = float.NaN }, "Beta2", "Beta2 must be in [0, 1); got NaN" },
        { () => new OptimizerOptions { Epsilon = 0f }, "Epsilon", "Epsilon must be finite and > 0; got 0" },
        { () => new OptimizerOptions { WeightDecay = -1e-4f }, "WeightDecay", "WeightDecay must be finite and >= 0; got -0.0001" },
        { () => new OptimizerOptions { WeightDecay = float.PositiveInfinity }, "WeightDecay", "WeightDecay must be finite and >= 0; got Infinity" },
        { () => new OptimizerOptions { Kind = (OptimizerKind)9 }, "Kind", "Kind must be one of Sgd, Momentum, Nesterov, Adam; got 9" },
        { () => new OptimizerOptions() with { Beta2 = 1.5f }, "Beta2", "Beta2 must be in [0, 1); got 1.5" },
        { () => new AdamOptimizer(epsilon: -1f).Options, "Epsilon", "Epsilon must be finite and > 0; got -1" },
        { () => new MomentumOptimizer(momentum: 2f).Options, "Momentum", "Momentum must be in [0, 1); got 2" },
    };

    [Theory, MemberData(nameof(InvalidOptions))]
    public void Every_hyper_parameter_must_be_validated_with_a_message_naming_it(Func<OptimizerOptions> create, string parameter, string message)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => create());
        Assert.Equal(parameter, error.ParamName);
        Assert.StartsWith(message, error.Message);
    }
}
