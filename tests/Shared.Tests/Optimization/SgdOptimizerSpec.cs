// SGD: a hand-computed step with coupled weight decay, convergence on a convex quadratic, and the gradient scale.
using Dpt.Optimization;

namespace Dpt.Shared.Tests.Optimization;

public class SgdOptimizerSpec
{
    [Fact]
    public void Sgd_must_step_against_the_scaled_gradient_plus_coupled_weight_decay()
    {
        // w -= lr·(g + wd·w) with g = sum/4: 1 − 0.1·(0.5 + 0.01·1) = 0.949 and −2 − 0.1·(1 − 0.01·2) = −2.098.
        float[] w = [1f, -2f];
        var optimizer = new SgdOptimizer(weightDecay: 0.01f);
        optimizer.Update(w, [2f, 4f], optimizer.CreateState(2), 0, 2, optimizer.WeightDecay, new UpdateStep(0, 0.1f, 0.25f));
        Assert.Equal(0.949f, w[0], 1e-6f);
        Assert.Equal(-2.098f, w[1], 1e-6f);
    }

    [Fact]
    public void Sgd_must_minimise_a_convex_quadratic()
    {
        var f = new ConvexQuadratic(50, seed: 31);
        var w = f.Minimise(new SgdOptimizer(), _ => 0.1f, steps: 400);
        Assert.True(f.DistanceToMinimum(w) < 1e-4, $"distance {f.DistanceToMinimum(w)}");
    }

    [Fact]
    public void Sgd_with_a_zero_gradient_scale_must_only_apply_decay()
    {
        float[] w = [3f];
        var optimizer = new SgdOptimizer(weightDecay: 0.5f);
        optimizer.Update(w, [1000f], optimizer.CreateState(1), 0, 1, optimizer.WeightDecay, new UpdateStep(0, 0.1f, 0f));
        Assert.Equal(3f * (1 - 0.1f * 0.5f), w[0], 1e-6f);
    }
}
