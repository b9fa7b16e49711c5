// Plain stochastic gradient descent with coupled weight decay, as torch.optim.SGD without momentum.
namespace Dpt.Optimization;

/// <summary>w -= lr·(g + wd·w), with g = gradientScale · gradientSum. No state.</summary>
public sealed class SgdOptimizer : Optimizer
{
    /// <param name="weightDecay">wd for weight tensors, finite and ≥ 0.</param>
    public SgdOptimizer(float weightDecay = 0f)
        : base(new OptimizerOptions { Kind = OptimizerKind.Sgd, WeightDecay = weightDecay }) { }

    private protected override string[] SlotNames => [];

    private protected override void UpdateCore(Span<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> g2, OptimizerState state,
        int offset, float weightDecay, in UpdateStep step) =>
        UpdateKernels.Sgd(w, g, g2, step.GradientScale, step.LearningRate, weightDecay);
}
