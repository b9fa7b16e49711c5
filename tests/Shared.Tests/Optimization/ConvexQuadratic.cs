// A small convex test problem: f(w) = ½ Σ a_i (w_i − c_i)², with curvatures a_i in [0.5, 2] and the
// minimum at c. Its gradient is handed to optimizers as a per-sample sum with scale 1/samples, the
// way the parameter server passes it.
using Dpt.Numerics;
using Dpt.Optimization;

namespace Dpt.Shared.Tests.Optimization;

internal sealed class ConvexQuadratic
{
    private readonly double[] _a, _c;

    public ConvexQuadratic(int n, ulong seed)
    {
        var rng = new Rng(seed);
        _a = Enumerable.Range(0, n).Select(_ => 0.5 + 1.5 * rng.NextDouble()).ToArray();
        _c = Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
    }

    public double Loss(ReadOnlySpan<float> w)
    {
        double loss = 0;
        for (int i = 0; i < w.Length; i++) loss += 0.5 * _a[i] * (w[i] - _c[i]) * (w[i] - _c[i]);
        return loss;
    }

    /// <summary>max |w_i − c_i|.</summary>
    public double DistanceToMinimum(ReadOnlySpan<float> w)
    {
        double distance = 0;
        for (int i = 0; i < w.Length; i++) distance = Math.Max(distance, Math.Abs(w[i] - _c[i]));
        return distance;
    }

    /// <summary>Runs <paramref name="steps"/> updates from w = 0 without weight decay; returns the final w.</summary>
    public float[] Minimise(Optimizer optimizer, Func<long, float> learningRate, int steps, int samples = 8)
    {
        int n = _a.Length;
        var w = new float[n];
        var gradientSum = new float[n];
        var state = optimizer.CreateState(n);
        for (long t = 0; t < steps; t++)
        {
            // Each of the samples contributes ∇f, so the sum times 1/samples is ∇f.
            for (int i = 0; i < n; i++) gradientSum[i] = (float)(samples * _a[i] * (w[i] - _c[i]));
            optimizer.Update(w, gradientSum, state, 0, n, 0f, new UpdateStep(t, learningRate(t), 1f / samples));
        }
        return w;
    }
}
