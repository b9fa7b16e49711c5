// SGD with heavy-ball or Nesterov momentum (dampening 0) and coupled weight decay, as torch.optim.SGD.
namespace Dpt.Optimization;

/// <summary>With d = g + wd·w and g = gradientScale · gradientSum: v = μ·v + d, then w -= lr·v
/// (heavy ball) or w -= lr·(d + μ·v) (Nesterov). One state slot, the velocity v.</summary>
public sealed class MomentumOptimizer : Optimizer
{
    private static readonly string[] Slots = ["velocity"];

    /// <param name="momentum">μ in [0, 1).</param>
    /// <param name="weightDecay">wd for weight tensors, finite and ≥ 0.</param>
    /// <param name="nesterov">Use the Nesterov look-ahead form.</param>
    public MomentumOptimizer(float momentum = 0.9f, float weightDecay = 0f, bool nesterov = false)
        : base(new OptimizerOptions
        {
            Kind = nesterov ? OptimizerKind.Nesterov : OptimizerKind.Momentum,
            Momentum = momentum,
            WeightDecay = weightDecay,
        })
    { }

    /// <summary>μ.</summary>
    public float Momentum => Options.Momentum;

    /// <summary>Whether the step uses the Nesterov look-ahead d + μ·v instead of v.</summary>
    public bool Nesterov => Kind == OptimizerKind.Nesterov;

    private protected override string[] SlotNames => Slots;

    private protected override void UpdateCore(Span<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> g2, OptimizerState state,
        int offset, float weightDecay, in UpdateStep step) =>
        UpdateKernels.Momentum(w, g, g2, state.Slot(0, offset, w.Length),
            step.GradientScale, step.LearningRate, weightDecay, Momentum, Nesterov);
}
