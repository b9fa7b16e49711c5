// Scalar, double-accumulating reference products that the SIMD paths are checked against,
// together with the magnitude bound that scales the tolerance of each element.
namespace Dpt.Shared.Tests.Numerics;

internal static class GemmReference
{
    public enum Form { TransB, TransA, Plain }

    /// <summary>Reference C and, per element, sum_k |A·B| + |bias| + |C0| (the scale of its rounding error).</summary>
    public static (double[] C, double[] Magnitude) Compute(Form form, float[] a, float[] b, float[] c0, float[]? bias,
        int m, int n, int k, bool accumulate)
    {
        var c = new double[m * n];
        var mag = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0, g = 0;
                for (int kk = 0; kk < k; kk++)
                {
                    double x = form switch
                    {
                        Form.TransB => a[i * k + kk] * (double)b[j * k + kk],
                        Form.TransA => a[kk * m + i] * (double)b[kk * n + j],
                        _ => a[i * k + kk] * (double)b[kk * n + j],
                    };
                    s += x;
                    g += Math.Abs(x);
                }
                if (bias is not null) { s += bias[j]; g += Math.Abs(bias[j]); }
                if (accumulate) { s += c0[i * n + j]; g += Math.Abs(c0[i * n + j]); }
                c[i * n + j] = s;
                mag[i * n + j] = g;
            }
        return (c, mag);
    }
}
