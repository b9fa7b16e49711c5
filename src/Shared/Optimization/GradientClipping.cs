// Gradient clipping by global L2 norm, folded into the update's gradient scale instead of rescaling
// the gradient buffer: the parameter server sums squares (per shard if sharded), turns the total into
// a factor, and passes scale·factor as UpdateStep.GradientScale. Nothing here writes a gradient.
namespace Dpt.Optimization;

/// <summary>Clips the averaged gradient to a global L2 norm of at most <see cref="MaxNorm"/>, as
/// torch.nn.utils.clip_grad_norm_: factor = min(1, maxNorm / (norm + 1e-6)).</summary>
/// <remarks>Use per step:
/// <code>
/// double sumSq = GradientClipping.SumOfSquares(gradientSum, offset, count); // each shard; add the partial sums
/// float scale = clipping.ClippedScale(totalSumSq, 1f / sampleCount);       // then UpdateStep.GradientScale = scale
/// </code>
/// Partial sums are added in a different order than one whole-buffer sum, so the factor of a sharded
/// server can differ from an unsharded one in the last bits of a float.</remarks>
public sealed record GradientClipping
{
    /// <summary>Added to the norm before dividing, as PyTorch does, so a zero gradient gives factor 1, not ∞.</summary>
    public const double NormEpsilon = 1e-6;

    /// <param name="maxNorm">Largest allowed global L2 norm of the averaged gradient; finite and &gt; 0.</param>
    public GradientClipping(float maxNorm)
    {
        Guard.FinitePositive(maxNorm, nameof(maxNorm));
        MaxNorm = maxNorm;
    }

    /// <summary>Largest allowed global L2 norm of the averaged gradient.</summary>
    public float MaxNorm { get; }

    /// <summary>Σ values[i]², accumulated in double (SIMD; every square is exact, only the additions round).</summary>
    public static double SumOfSquares(ReadOnlySpan<float> values) => UpdateKernels.SumOfSquares(values);

    /// <summary>Σ buffer[i]² over [offset, offset + count): one shard's partial sum; add the shards' results
    /// for the whole buffer's sum.</summary>
    public static double SumOfSquares(ReadOnlySpan<float> buffer, int offset, int count)
    {
        Guard.Range(offset, count, buffer.Length);
        return UpdateKernels.SumOfSquares(buffer.Slice(offset, count));
    }

    /// <summary>The averaged gradient's norm: gradientScale · √sumOfSquares, where sumOfSquares is that of the gradient sum.</summary>
    /// <exception cref="ArgumentException">sumOfSquares is NaN or ∞: the gradient holds a NaN or an
    /// infinity (training diverged or a push was corrupted), and no factor can repair that.</exception>
    public static double GlobalNorm(double sumOfSquares, float gradientScale)
    {
        if (!(sumOfSquares >= 0 && double.IsFinite(sumOfSquares)))
            throw new ArgumentException(
                $"{nameof(sumOfSquares)} must be finite and >= 0; got {sumOfSquares}: the gradient holds a NaN or an infinity (diverged training or a corrupted push)",
                nameof(sumOfSquares));
        Guard.FiniteNonNegative(gradientScale, nameof(gradientScale));
        return gradientScale * Math.Sqrt(sumOfSquares);
    }

    /// <summary>min(1, MaxNorm / (norm + 1e-6)): 1 below the limit, else the factor that brings the norm to it.</summary>
    public float Factor(double norm)
    {
        Guard.FiniteNonNegative(norm, nameof(norm));
        return (float)Math.Min(1.0, MaxNorm / (norm + NormEpsilon));
    }

    /// <summary>The effective gradient scale for <see cref="UpdateStep"/>: gradientScale · Factor(gradientScale · √sumOfSquares).</summary>
    /// <param name="sumOfSquares">Σ of squares of the (un-averaged) gradient sum over the whole buffer.</param>
    /// <param name="gradientScale">The averaging scale, normally 1/N for N summed samples.</param>
    public float ClippedScale(double sumOfSquares, float gradientScale) =>
        (float)(gradientScale * (double)Factor(GlobalNorm(sumOfSquares, gradientScale)));

    public override string ToString() => $"clip global norm to {MaxNorm}";
}
