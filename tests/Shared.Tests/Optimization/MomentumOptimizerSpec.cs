// Heavy-ball and Nesterov momentum: hand-computed two-step examples, weight decay inside the velocity, convergence.
using Dpt.Optimization;

namespace Dpt.Shared.Tests.Optimization;

public class MomentumOptimizerSpec
{
    [Fact]
    public void Momentum_must_agree_with_a_hand_computed_two_step_example()
    {
        // f(w) = ½w², g = w, from w = 1 with lr = 0.1, μ = 0.9:
        // step 0: v = 1,               w = 1 − 0.1·1 = 0.9
        // step 1: v = 0.9·1 + 0.9 = 1.8, w = 0.9 − 0.1·1.8 = 0.72
        var (w, v) = TwoSteps(nesterov: false);
        Assert.Equal(0.72f, w, 1e-6f);
        Assert.Equal(1.8f, v, 1e-6f);
    }

    [Fact]
    public void Nesterov_must_agree_with_a_hand_computed_two_step_example()
    {
        // f(w) = ½w², g = w, from w = 1 with lr = 0.1, μ = 0.9, w -= lr·(g + μ·v):
        // step 0: v = 1,                  w = 1 − 0.1·(1 + 0.9·1) = 0.81
        // step 1: v = 0.9·1 + 0.81 = 1.71, w = 0.81 − 0.1·(0.81 + 0.9·1.71) = 0.5751
        var (w, v) = TwoSteps(nesterov: true);
        Assert.Equal(0.5751f, w, 1e-6f);
        Assert.Equal(1.71f, v, 1e-6f);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Momentum_must_minimise_a_convex_quadratic(bool nesterov)
    {
        var f = new ConvexQuadratic(50, seed: 32);
        var w = f.Minimise(new MomentumOptimizer(momentum: 0.9f, nesterov: nesterov), _ => 0.05f, steps: 500);
        Assert.True(f.DistanceToMinimum(w) < 1e-4, $"distance {f.DistanceToMinimum(w)}");
    }

    [Fact]
    public void Momentum_must_add_weight_decay_to_the_gradient_before_the_velocity()
    {
        // g = 0, wd = 0.5, w = 2: d = 1, v = 1, w = 2 − 0.1 = 1.9; then d = 0.95, v = 0.9 + 0.95, w = 1.9 − 0.185.
        float[] w = [2f];
        var optimizer = new MomentumOptimizer(momentum: 0.9f, weightDecay: 0.5f);
        var state = optimizer.CreateState(1);
        for (long t = 0; t < 2; t++) optimizer.Update(w, [0f], state, 0, 1, optimizer.WeightDecay, new UpdateStep(t, 0.1f, 1f));
        Assert.Equal(1.9f - 0.185f, w[0], 1e-6f);
        Assert.Equal(1.85f, state.Export()[0][0], 1e-6f);
    }

    private static (float W, float V) TwoSteps(bool nesterov)
    {
        float[] w = [1f];
        var optimizer = new MomentumOptimizer(momentum: 0.9f, nesterov: nesterov);
        var state = optimizer.CreateState(1);
        for (long t = 0; t < 2; t++)
            optimizer.Update(w, [w[0]], state, 0, 1, 0f, new UpdateStep(t, 0.1f, 1f));
        return (w[0], state.Export()[0][0]);
    }
}
