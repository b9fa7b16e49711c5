// Adam with decoupled weight decay (AdamW), as torch.optim.AdamW without amsgrad.
namespace Dpt.Optimization;

/// <summary>With g = gradientScale · gradientSum and t = <see cref="UpdateStep.T"/>: w *= 1 − lr·wd;
/// m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; m̂ = m/(1−β1^t); v̂ = v/(1−β2^t); w -= lr·m̂/(√v̂ + ε).
/// Two state slots, m and v.</summary>
public sealed class AdamOptimizer : Optimizer
{
    private static readonly string[] Slots = ["m", "v"];

    /// <param name="beta1">β1 in [0, 1).</param>
    /// <param name="beta2">β2 in [0, 1).</param>
    /// <param name="epsilon">ε, finite and &gt; 0.</param>
    /// <param name="weightDecay">Decoupled wd for weight tensors, finite and ≥ 0.</param>
    public AdamOptimizer(float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
        : base(new OptimizerOptions
        {
            Kind = OptimizerKind.Adam,
            Beta1 = beta1,
            Beta2 = beta2,
            Epsilon = epsilon,
            WeightDecay = weightDecay,
        })
    { }

    /// <summary>β1, the first-moment decay.</summary>
    public float Beta1 => Options.Beta1;

    /// <summary>β2, the second-moment decay.</summary>
    public float Beta2 => Options.Beta2;

    /// <summary>ε, added to √v̂.</summary>
    public float Epsilon => Options.Epsilon;

    private protected override string[] SlotNames => Slots;

    private protected override void UpdateCore(Span<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> g2, OptimizerState state,
        int offset, float weightDecay, in UpdateStep step)
    {
        // Per-step scalars in double, as PyTorch computes them in Python floats: lr/(1−β1^t) folds m̂
        // into the step size, and √v̂ = √v / √(1−β2^t).
        double t = step.T;
        double biasCorrection1 = 1 - Math.Pow(Beta1, t);
        double biasCorrection2 = 1 - Math.Pow(Beta2, t);
        float stepSize = (float)(step.LearningRate / biasCorrection1);
        float sqrtBc2 = (float)Math.Sqrt(biasCorrection2);
        float decay = (float)(1 - (double)step.LearningRate * weightDecay);
        UpdateKernels.AdamW(w, g, g2, state.Slot(0, offset, w.Length), state.Slot(1, offset, w.Length),
            step.GradientScale, decay, Beta1, Beta2, Epsilon, stepSize, sqrtBc2);
    }
}
