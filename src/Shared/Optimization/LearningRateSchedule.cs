// Learning-rate schedules evaluated per step: a decay shape over epochs times an optional linear
// warm-up over the first steps. Pure functions of (step, stepsPerEpoch), so the learning rate needs no
// state beyond the step index a checkpoint already holds.
//
// Epochs: step decay uses whole epochs, floor(step / stepsPerEpoch), so the rate drops at epoch
// boundaries; exponential, inverse-time and cosine use the fractional epoch step / stepsPerEpoch, so
// the rate decays smoothly from one step to the next with the same per-epoch shape.
namespace Dpt.Optimization;

/// <summary>A learning rate as a function of the 0-based step index; create one with the static
/// factories and optionally <see cref="WithWarmup"/>. Immutable, with value equality.</summary>
public abstract record LearningRateSchedule
{
    private protected LearningRateSchedule(float initialLearningRate)
    {
        Guard.FinitePositive(initialLearningRate, "lr0");
        InitialLearningRate = initialLearningRate;
    }

    /// <summary>lr0: the rate at step 0 before warm-up and the start of every decay.</summary>
    public float InitialLearningRate { get; }

    /// <summary>W: the first W steps (0 … W−1) use (step + 1)/W of the scheduled rate, i.e. lr/W at step 0
    /// rising linearly to the full rate at step W−1 (the W-th update); 0 means no warm-up. Must be ≥ 0.</summary>
    public int WarmupSteps
    {
        get;
        init { Guard.AtLeast(value, 0, "warmupSteps"); field = value; }
    }

    /// <summary>lr0 for ever.</summary>
    public static LearningRateSchedule Constant(float lr0) => new ConstantSchedule(lr0);

    /// <summary>lr0 · γ^⌊epoch / stepSize⌋ with whole epochs: multiplied by γ every <paramref name="stepSize"/> epochs.</summary>
    /// <param name="gamma">γ in (0, 1].</param>
    /// <param name="stepSize">Epochs between drops, ≥ 1.</param>
    public static LearningRateSchedule StepDecay(float lr0, float gamma, int stepSize) => new StepDecaySchedule(lr0, gamma, stepSize);

    /// <summary>lr0 · γ^epoch with the fractional epoch.</summary>
    /// <param name="gamma">γ in (0, 1].</param>
    public static LearningRateSchedule Exponential(float lr0, float gamma) => new ExponentialSchedule(lr0, gamma);

    /// <summary>lr0 / (1 + k · epoch) with the fractional epoch.</summary>
    /// <param name="k">Decay rate per epoch, finite and ≥ 0.</param>
    public static LearningRateSchedule InverseTime(float lr0, float k) => new InverseTimeSchedule(lr0, k);

    /// <summary>lrMin + (lr0 − lrMin) · (1 + cos(π · epoch / totalEpochs)) / 2 with the fractional epoch,
    /// then lrMin after <paramref name="totalEpochs"/>.</summary>
    /// <param name="lrMin">Final rate, in (0, lr0]; not 0, because optimizers require lr &gt; 0.</param>
    /// <param name="totalEpochs">Length of the half cosine in epochs, ≥ 1.</param>
    public static LearningRateSchedule Cosine(float lr0, float lrMin, int totalEpochs) => new CosineSchedule(lr0, lrMin, totalEpochs);

    /// <summary>This schedule with a linear warm-up over the first <paramref name="steps"/> steps (see <see cref="WarmupSteps"/>).</summary>
    public LearningRateSchedule WithWarmup(int steps) => this with { WarmupSteps = steps };

    /// <summary>The learning rate for the update with 0-based index <paramref name="step"/>.</summary>
    /// <param name="step">Number of updates applied before this one, ≥ 0.</param>
    /// <param name="stepsPerEpoch">Updates per pass over the data, ≥ 1; converts steps to epochs.</param>
    public float At(long step, int stepsPerEpoch)
    {
        Guard.AtLeast(step, 0, nameof(step));
        Guard.AtLeast(stepsPerEpoch, 1, nameof(stepsPerEpoch));
        double rate = Decayed(step, stepsPerEpoch);
        if (step < WarmupSteps) rate *= (step + 1) / (double)WarmupSteps;
        return (float)rate;
    }

    /// <summary>The rate without warm-up.</summary>
    private protected abstract double Decayed(long step, int stepsPerEpoch);

    /// <summary>The decay part of <see cref="ToString"/>, e.g. <c>inverse-time(lr0=0.05, k=0.1)</c>.</summary>
    private protected abstract string Describe();

    /// <summary>E.g. <c>inverse-time(lr0=0.05, k=0.1) + warmup 100 steps</c>.</summary>
    public sealed override string ToString() =>
        WarmupSteps == 0 ? Describe() : $"{Describe()} + warmup {WarmupSteps} steps";
}

/// <summary>See <see cref="LearningRateSchedule.Constant"/>.</summary>
public sealed record ConstantSchedule : LearningRateSchedule
{
    public ConstantSchedule(float lr0) : base(lr0) { }

    private protected override double Decayed(long step, int stepsPerEpoch) => InitialLearningRate;

    private protected override string Describe() => $"constant(lr0={InitialLearningRate})";
}

/// <summary>See <see cref="LearningRateSchedule.StepDecay"/>.</summary>
public sealed record StepDecaySchedule : LearningRateSchedule
{
    public StepDecaySchedule(float lr0, float gamma, int stepSize) : base(lr0)
    {
        Guard.DecayFactor(gamma, nameof(gamma));
        Guard.AtLeast(stepSize, 1, nameof(stepSize));
        Gamma = gamma;
        StepSize = stepSize;
    }

    /// <summary>γ: the factor applied at each drop.</summary>
    public float Gamma { get; }

    /// <summary>Whole epochs between drops.</summary>
    public int StepSize { get; }

    private protected override double Decayed(long step, int stepsPerEpoch) =>
        InitialLearningRate * Math.Pow(Gamma, step / stepsPerEpoch / StepSize);

    private protected override string Describe() => $"step-decay(lr0={InitialLearningRate}, gamma={Gamma}, every {StepSize} epochs)";
}

/// <summary>See <see cref="LearningRateSchedule.Exponential"/>.</summary>
public sealed record ExponentialSchedule : LearningRateSchedule
{
    public ExponentialSchedule(float lr0, float gamma) : base(lr0)
    {
        Guard.DecayFactor(gamma, nameof(gamma));
        Gamma = gamma;
    }

    /// <summary>γ: the factor per epoch.</summary>
    public float Gamma { get; }

    private protected override double Decayed(long step, int stepsPerEpoch) =>
        InitialLearningRate * Math.Pow(Gamma, step / (double)stepsPerEpoch);

    private protected override string Describe() => $"exponential(lr0={InitialLearningRate}, gamma={Gamma})";
}

/// <summary>See <see cref="LearningRateSchedule.InverseTime"/>.</summary>
public sealed record InverseTimeSchedule : LearningRateSchedule
{
    public InverseTimeSchedule(float lr0, float k) : base(lr0)
    {
        Guard.FiniteNonNegative(k, nameof(k));
        K = k;
    }

    /// <summary>k: decay rate per epoch.</summary>
    public float K { get; }

    private protected override double Decayed(long step, int stepsPerEpoch) =>
        InitialLearningRate / (1 + K * (step / (double)stepsPerEpoch));

    private protected override string Describe() => $"inverse-time(lr0={InitialLearningRate}, k={K})";
}

/// <summary>See <see cref="LearningRateSchedule.Cosine"/>.</summary>
public sealed record CosineSchedule : LearningRateSchedule
{
    public CosineSchedule(float lr0, float lrMin, int totalEpochs) : base(lr0)
    {
        if (!(lrMin > 0 && lrMin <= lr0))
            throw new ArgumentOutOfRangeException(nameof(lrMin), lrMin,
                $"{nameof(lrMin)} must be in (0, lr0] = (0, {lr0}]; got {lrMin}");
        Guard.AtLeast(totalEpochs, 1, nameof(totalEpochs));
        MinimumLearningRate = lrMin;
        TotalEpochs = totalEpochs;
    }

    /// <summary>lrMin: the rate at and after <see cref="TotalEpochs"/>.</summary>
    public float MinimumLearningRate { get; }

    /// <summary>Epochs from lr0 to lrMin.</summary>
    public int TotalEpochs { get; }

    private protected override double Decayed(long step, int stepsPerEpoch)
    {
        double progress = Math.Min(1.0, step / (double)stepsPerEpoch / TotalEpochs);
        return MinimumLearningRate + (InitialLearningRate - MinimumLearningRate) * (1 + Math.Cos(Math.PI * progress)) / 2;
    }

    private protected override string Describe() =>
        $"cosine(lr0={InitialLearningRate}, lrMin={MinimumLearningRate}, over {TotalEpochs} epochs)";
}
