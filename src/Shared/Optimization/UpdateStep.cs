// The scalars one optimizer step applies to every range and tensor it updates: the step index,
// the scheduled learning rate and the gradient scale (1/N averaging folded with the clip factor).
namespace Dpt.Optimization;

/// <summary>What the parameter server passes with each update of one synchronous step.</summary>
/// <remarks>Construct it once per step and hand the same value to every shard; the optimizer state
/// holds no step counter, so <see cref="Step"/> is the single source of Adam's t and must be saved
/// with a checkpoint.</remarks>
public readonly record struct UpdateStep
{
    /// <summary>Creates the scalars for one step.</summary>
    /// <param name="step">0-based index of this update: the number of updates applied before it
    /// (0 for the first). The same number <see cref="LearningRateSchedule.At"/> takes.</param>
    /// <param name="learningRate">lr for this step, finite and &gt; 0, usually from a <see cref="LearningRateSchedule"/>.</param>
    /// <param name="gradientScale">Factor turning the pushed gradient sum into the gradient the
    /// update uses: 1/N for N summed samples, times the clip factor (<see cref="GradientClipping.ClippedScale"/>);
    /// finite and ≥ 0.</param>
    public UpdateStep(long step, float learningRate, float gradientScale)
    {
        Guard.AtLeast(step, 0, nameof(step));
        Guard.FinitePositive(learningRate, nameof(learningRate));
        Guard.FiniteNonNegative(gradientScale, nameof(gradientScale));
        Step = step;
        LearningRate = learningRate;
        GradientScale = gradientScale;
    }

    /// <summary>0-based index of this update (number of updates applied before it).</summary>
    public long Step { get; }

    /// <summary>Adam's 1-based step count t = <see cref="Step"/> + 1, used for bias correction.</summary>
    public long T => Step + 1;

    /// <summary>Learning rate lr for this step.</summary>
    public float LearningRate { get; }

    /// <summary>Multiplier applied to the gradient sum: g = GradientScale · gradientSum.</summary>
    public float GradientScale { get; }

    /// <summary>Throws unless this value came from the constructor: default(UpdateStep) has lr = 0.</summary>
    internal void EnsureConstructed()
    {
        if (!(LearningRate > 0))
            throw new ArgumentException(
                "the update step has learning rate 0, so it is default(UpdateStep); create it with new UpdateStep(step, learningRate, gradientScale)",
                "step");
    }

    public override string ToString() => $"step {Step} (lr={LearningRate}, gradient scale={GradientScale})";
}
