// Every fused kernel against the double-precision scalar reference at every length from 0 to past
// two 512-bit vectors (so each vector width and each remainder runs) and at a few large lengths.
// Run with DOTNET_PreferredVectorBitWidth=512 on AVX-512 hardware to include the 512-bit path.
using Dpt.Numerics;
using Dpt.Optimization;

namespace Dpt.Shared.Tests.Optimization;

public class UpdateKernelsSpec
{
    private const float Scale = 1f / 7, LearningRate = 0.05f, WeightDecay = 0.01f, Mu = 0.9f;

    public static TheoryData<int> Lengths() => new(Enumerable.Range(0, 68).Concat([1000, 4099, 65_537]));

    [Theory, MemberData(nameof(Lengths))]
    public void Sgd_with_weight_decay_must_match_the_scalar_reference(int n)
    {
        var rng = new Rng(11, (ulong)n);
        var (w, g) = (ScalarReference.RandomValues(rng, n), ScalarReference.RandomValues(rng, n));
        var expected = ScalarReference.Sgd(w, g, Scale, LearningRate, WeightDecay);
        UpdateKernels.Sgd(w, g, default, Scale, LearningRate, WeightDecay);
        ScalarReference.AssertClose(expected, w, "w");
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Sgd_without_weight_decay_must_match_the_scalar_reference(int n)
    {
        var rng = new Rng(12, (ulong)n);
        var (w, g) = (ScalarReference.RandomValues(rng, n), ScalarReference.RandomValues(rng, n));
        var expected = ScalarReference.Sgd(w, g, Scale, LearningRate, 0);
        UpdateKernels.Sgd(w, g, default, Scale, LearningRate, 0f);
        ScalarReference.AssertClose(expected, w, "w");
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Momentum_must_match_the_scalar_reference(int n) => AssertMomentumMatches(n, nesterov: false);

    [Theory, MemberData(nameof(Lengths))]
    public void Nesterov_must_match_the_scalar_reference(int n) => AssertMomentumMatches(n, nesterov: true);

    [Theory, MemberData(nameof(Lengths))]
    public void AdamW_must_match_the_scalar_reference(int n)
    {
        const float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
        const long t = 3;
        var rng = new Rng(14, (ulong)n);
        var (w, g) = (ScalarReference.RandomValues(rng, n), ScalarReference.RandomValues(rng, n));
        var (m, v) = (ScalarReference.RandomValues(rng, n), ScalarReference.RandomSquares(rng, n));
        var (expectedW, expectedM, expectedV) = ScalarReference.Adam(w, g, m, v, Scale, lr, WeightDecay, beta1, beta2, epsilon, t);

        UpdateKernels.AdamW(w, g, default, m, v, Scale, decay: (float)(1 - (double)lr * WeightDecay), beta1, beta2, epsilon,
            stepSize: (float)(lr / (1 - Math.Pow(beta1, t))), sqrtBc2: (float)Math.Sqrt(1 - Math.Pow(beta2, t)));

        ScalarReference.AssertClose(expectedM, m, "m");
        ScalarReference.AssertClose(expectedV, v, "v");
        ScalarReference.AssertClose(expectedW, w, "w");
    }

    [Theory, MemberData(nameof(Lengths))]
    public void SumOfSquares_must_match_the_scalar_reference(int n)
    {
        var x = ScalarReference.RandomValues(new Rng(15, (ulong)n), n);
        double expected = ScalarReference.SumOfSquares(x);
        Assert.Equal(expected, UpdateKernels.SumOfSquares(x), expected * 1e-13);
    }

    [Fact]
    public void SumOfSquares_must_keep_small_squares_that_a_float_accumulator_drops()
    {
        // 2^24 ones then 2^20 values of 2^-7 (squares 2^-14): a float sum stops at 2^24 and loses the
        // 64 the small squares add; double keeps every one of them.
        var x = new float[(1 << 24) + (1 << 20)];
        x.AsSpan(0, 1 << 24).Fill(1f);
        x.AsSpan(1 << 24).Fill(1f / 128);
        Assert.Equal((double)(1 << 24) + 64, UpdateKernels.SumOfSquares(x));
    }

    private static void AssertMomentumMatches(int n, bool nesterov)
    {
        var rng = new Rng(13, (ulong)n);
        var (w, g, v) = (ScalarReference.RandomValues(rng, n), ScalarReference.RandomValues(rng, n), ScalarReference.RandomValues(rng, n));
        var (expectedW, expectedV) = ScalarReference.Momentum(w, g, v, Scale, LearningRate, WeightDecay, Mu, nesterov);
        UpdateKernels.Momentum(w, g, default, v, Scale, LearningRate, WeightDecay, Mu, nesterov);
        ScalarReference.AssertClose(expectedV, v, "v");
        ScalarReference.AssertClose(expectedW, w, "w");
    }
}
