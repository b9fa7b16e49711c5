// Straightforward double-precision implementations of the update rules, written from the formulas
// (not from the kernels), plus random test data and a magnitude-scaled comparison.
using Dpt.Numerics;

namespace Dpt.Shared.Tests.Optimization;

/// <summary>One reference result: expected values and, per element, the sum of the absolute values of
/// the terms that produced it, which bounds the float rounding error.</summary>
internal sealed record Expected(double[] Values, double[] Magnitudes);

internal static class ScalarReference
{
    /// <summary>w -= lr·(s·g + wd·w).</summary>
    public static Expected Sgd(float[] w, float[] g, double s, double lr, double wd)
    {
        var values = new double[w.Length];
        var magnitudes = new double[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            double d = s * g[i] + wd * w[i];
            values[i] = w[i] - lr * d;
            magnitudes[i] = Math.Abs(w[i]) + lr * (Math.Abs(s * g[i]) + Math.Abs(wd * w[i]));
        }
        return new Expected(values, magnitudes);
    }

    /// <summary>d = s·g + wd·w; v = μ·v + d; w -= lr·v (or lr·(d + μ·v) with Nesterov). Returns (w, v).</summary>
    public static (Expected W, Expected V) Momentum(float[] w, float[] g, float[] v, double s, double lr, double wd, double mu, bool nesterov)
    {
        int n = w.Length;
        var (wValues, wMagnitudes, vValues, vMagnitudes) = (new double[n], new double[n], new double[n], new double[n]);
        for (int i = 0; i < n; i++)
        {
            double d = s * g[i] + wd * w[i];
            double dMagnitude = Math.Abs(s * g[i]) + Math.Abs(wd * w[i]);
            double vNew = mu * v[i] + d;
            vValues[i] = vNew;
            vMagnitudes[i] = mu * Math.Abs(v[i]) + dMagnitude;
            double direction = nesterov ? d + mu * vNew : vNew;
            double directionMagnitude = nesterov ? dMagnitude + mu * vMagnitudes[i] : vMagnitudes[i];
            wValues[i] = w[i] - lr * direction;
            wMagnitudes[i] = Math.Abs(w[i]) + lr * directionMagnitude;
        }
        return (new Expected(wValues, wMagnitudes), new Expected(vValues, vMagnitudes));
    }

    /// <summary>AdamW at 1-based step t, straight from the paper's notation. Returns (w, m, v).</summary>
    public static (Expected W, Expected M, Expected V) Adam(float[] w, float[] g, float[] m, float[] v,
        double s, double lr, double wd, double beta1, double beta2, double epsilon, long t)
    {
        int n = w.Length;
        var (wValues, wMagnitudes) = (new double[n], new double[n]);
        var (mValues, mMagnitudes, vValues, vMagnitudes) = (new double[n], new double[n], new double[n], new double[n]);
        for (int i = 0; i < n; i++)
        {
            double gi = s * g[i];
            double decayed = w[i] * (1 - lr * wd);
            mValues[i] = beta1 * m[i] + (1 - beta1) * gi;
            mMagnitudes[i] = beta1 * Math.Abs(m[i]) + (1 - beta1) * Math.Abs(gi);
            vValues[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
            vMagnitudes[i] = vValues[i];
            double biasCorrection1 = 1 - Math.Pow(beta1, t);
            double mHat = mValues[i] / biasCorrection1;
            double vHat = vValues[i] / (1 - Math.Pow(beta2, t));
            double denominator = Math.Sqrt(vHat) + epsilon;
            wValues[i] = decayed - lr * mHat / denominator;
            // m's rounding error scales with its terms, not with m (which may cancel to near 0).
            wMagnitudes[i] = Math.Abs(decayed) + lr * (mMagnitudes[i] / biasCorrection1) / denominator;
        }
        return (new Expected(wValues, wMagnitudes), new Expected(mValues, mMagnitudes), new Expected(vValues, vMagnitudes));
    }

    /// <summary>Σ x² in double, one element at a time.</summary>
    public static double SumOfSquares(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float xi in x) sum += (double)xi * xi;
        return sum;
    }

    /// <summary>Gaussian values whose magnitudes span 10^-3 … 10^3, so tolerances must scale.</summary>
    public static float[] RandomValues(Rng rng, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
            values[i] = (float)(rng.NextGaussian() * Math.Pow(10, 6 * rng.NextDouble() - 3));
        return values;
    }

    /// <summary>Non-negative values, as a second-moment buffer holds.</summary>
    public static float[] RandomSquares(Rng rng, int length)
    {
        var values = RandomValues(rng, length);
        for (int i = 0; i < length; i++) values[i] *= values[i];
        return values;
    }

    /// <summary>Asserts |actual − expected| ≤ relative · magnitude for every element.</summary>
    public static void AssertClose(Expected expected, ReadOnlySpan<float> actual, string what, double relative = 1e-5)
    {
        Assert.Equal(expected.Values.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            double tolerance = relative * expected.Magnitudes[i] + 1e-37;
            double error = Math.Abs(actual[i] - expected.Values[i]);
            if (!(error <= tolerance))
                Assert.Fail($"{what}[{i}] of {actual.Length}: expected {expected.Values[i]:R}, got {actual[i]:R} (error {error:E2} > tolerance {tolerance:E2})");
        }
    }
}
