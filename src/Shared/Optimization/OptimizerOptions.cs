// Which optimizer to use and its hyper-parameters, validated on assignment, with a factory.
// The learning rate is deliberately not here: it changes per step and comes from a LearningRateSchedule.
namespace Dpt.Optimization;

/// <summary>The update rules, as in PyTorch (torch.optim.SGD with dampening 0, and AdamW).</summary>
public enum OptimizerKind
{
    /// <summary>w -= lr·(g + wd·w).</summary>
    Sgd,
    /// <summary>v = μ·v + (g + wd·w); w -= lr·v.</summary>
    Momentum,
    /// <summary>v = μ·v + (g + wd·w); w -= lr·((g + wd·w) + μ·v).</summary>
    Nesterov,
    /// <summary>AdamW: decoupled decay w *= 1 − lr·wd, then Adam with bias correction.</summary>
    Adam,
}

/// <summary>Describes an optimizer; every property is checked when set, so an instance is always valid.</summary>
public sealed record OptimizerOptions
{
    /// <summary>The update rule. Default <see cref="OptimizerKind.Sgd"/>.</summary>
    public OptimizerKind Kind
    {
        get;
        init
        {
            if (!Enum.IsDefined(value))
                throw new ArgumentOutOfRangeException(nameof(Kind), value,
                    $"{nameof(Kind)} must be one of {string.Join(", ", Enum.GetNames<OptimizerKind>())}; got {value}");
            field = value;
        }
    } = OptimizerKind.Sgd;

    /// <summary>Momentum coefficient μ for <see cref="OptimizerKind.Momentum"/> and
    /// <see cref="OptimizerKind.Nesterov"/>; unitless, in [0, 1). Default 0.9.</summary>
    public float Momentum
    {
        get;
        init { Guard.UnitInterval(value, nameof(Momentum)); field = value; }
    } = 0.9f;

    /// <summary>Adam's first-moment decay β1, in [0, 1). Default 0.9.</summary>
    public float Beta1
    {
        get;
        init { Guard.UnitInterval(value, nameof(Beta1)); field = value; }
    } = 0.9f;

    /// <summary>Adam's second-moment decay β2, in [0, 1). Default 0.999.</summary>
    public float Beta2
    {
        get;
        init { Guard.UnitInterval(value, nameof(Beta2)); field = value; }
    } = 0.999f;

    /// <summary>Adam's ε added to √v̂ in the denominator; finite and &gt; 0. Default 1e-8.</summary>
    public float Epsilon
    {
        get;
        init { Guard.FinitePositive(value, nameof(Epsilon)); field = value; }
    } = 1e-8f;

    /// <summary>Weight decay wd applied to weight tensors only (never biases); finite and ≥ 0. Default 0.
    /// Coupled (added to the gradient) for SGD and momentum, decoupled (w *= 1 − lr·wd) for Adam.</summary>
    public float WeightDecay
    {
        get;
        init { Guard.FiniteNonNegative(value, nameof(WeightDecay)); field = value; }
    }

    /// <summary>Short lower-case name for logs: sgd, momentum, nesterov or adamw.</summary>
    public string Name => Kind switch
    {
        OptimizerKind.Sgd => "sgd",
        OptimizerKind.Momentum => "momentum",
        OptimizerKind.Nesterov => "nesterov",
        _ => "adamw",
    };

    /// <summary>Creates the optimizer these options describe.</summary>
    public Optimizer Create() => Kind switch
    {
        OptimizerKind.Sgd => new SgdOptimizer(WeightDecay),
        OptimizerKind.Momentum => new MomentumOptimizer(Momentum, WeightDecay, nesterov: false),
        OptimizerKind.Nesterov => new MomentumOptimizer(Momentum, WeightDecay, nesterov: true),
        _ => new AdamOptimizer(Beta1, Beta2, Epsilon, WeightDecay),
    };

    /// <summary>Only the hyper-parameters the kind uses, e.g. <c>momentum(mu=0.9, wd=0.0005)</c>.</summary>
    public override string ToString() => Kind switch
    {
        OptimizerKind.Sgd => $"{Name}(wd={WeightDecay})",
        OptimizerKind.Momentum or OptimizerKind.Nesterov => $"{Name}(mu={Momentum}, wd={WeightDecay})",
        _ => $"{Name}(beta1={Beta1}, beta2={Beta2}, eps={Epsilon}, wd={WeightDecay})",
    };
}
