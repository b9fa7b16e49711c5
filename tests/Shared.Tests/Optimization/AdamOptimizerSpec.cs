// AdamW: bias correction (first step ≈ lr·sign(g)), decoupled weight decay, convergence.
using Dpt.Numerics;
using Dpt.Optimization;

namespace Dpt.Shared.Tests.Optimization;

public class AdamOptimizerSpec
{
    [Fact]
    public void Adam_bias_correction_must_make_the_first_step_lr_times_the_sign_of_the_gradient()
    {
        // t = 1: m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε) ≈ lr·sign(g) whatever |g| is.
        const float lr = 1e-3f;
        var g = ScalarReference.RandomValues(new Rng(41), 1000);
        var w = new float[g.Length];
        var optimizer = new AdamOptimizer();
        optimizer.Update(w, g, optimizer.CreateState(w.Length), 0, w.Length, 0f, new UpdateStep(0, lr, 1f));
        // The exact step differs from lr·sign(g) by lr·ε/(|g| + ε), plus float rounding.
        for (int i = 0; i < w.Length; i++)
            Assert.Equal(-lr * MathF.Sign(g[i]), w[i], lr * (1e-8 / Math.Abs(g[i]) + 1e-6));
    }

    [Fact]
    public void Adam_must_keep_stepping_lr_times_the_sign_under_a_constant_gradient()
    {
        // A constant g gives m̂ = g and v̂ = g² at every t only if both bias corrections are right.
        const float lr = 0.01f;
        float[] w = [0f, 0f];
        var optimizer = new AdamOptimizer();
        var state = optimizer.CreateState(2);
        for (long t = 0; t < 50; t++)
        {
            float before0 = w[0], before1 = w[1];
            optimizer.Update(w, [3f, -0.02f], state, 0, 2, 0f, new UpdateStep(t, lr, 1f));
            Assert.Equal(-lr, w[0] - before0, 1e-6f);
            Assert.Equal(lr, w[1] - before1, 1e-6f);
        }
    }

    [Fact]
    public void AdamW_weight_decay_must_be_decoupled_from_the_gradient()
    {
        // The decay moves w by lr·wd·w whatever the gradient; coupled decay would be normalised away by √v̂.
        const float lr = 0.01f, wd = 0.1f;
        var g = new float[] { 1000f, 1e-3f, -5f };
        var decayed = new float[] { 2f, 2f, 2f };
        var plain = (float[])decayed.Clone();
        var withDecay = new AdamOptimizer(weightDecay: wd);
        var withoutDecay = new AdamOptimizer();
        withDecay.Update(decayed, g, withDecay.CreateState(3), 0, 3, wd, new UpdateStep(0, lr, 1f));
        withoutDecay.Update(plain, g, withoutDecay.CreateState(3), 0, 3, 0f, new UpdateStep(0, lr, 1f));
        for (int i = 0; i < 3; i++) Assert.Equal(-lr * wd * 2f, decayed[i] - plain[i], 1e-6f);
    }

    [Fact]
    public void Adam_must_minimise_a_convex_quadratic()
    {
        var f = new ConvexQuadratic(50, seed: 33);
        var schedule = LearningRateSchedule.Cosine(0.1f, 1e-4f, totalEpochs: 15);
        var w = f.Minimise(new AdamOptimizer(), t => schedule.At(t, stepsPerEpoch: 100), steps: 1500);
        Assert.True(f.DistanceToMinimum(w) < 1e-2, $"distance {f.DistanceToMinimum(w)}");
        Assert.True(f.Loss(w) < 1e-4 * f.Loss(new float[50]), $"loss {f.Loss(w)}");
    }
}
