// GEMM micro-kernels on Vector128, for CPUs without AVX2 (NEON on Arm64, SSE elsewhere).
// Outer-product tile 4 x 8 and dot-product tile 2 x 4, both with 8 accumulators, which fits
// the 16 vector registers of SSE while leaving Arm64's 32 some slack.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dpt.Numerics;

internal readonly unsafe struct PortableKernel : IGemmKernel
{
    public static int MR => 4;
    public static int NR => 8;
    public static int DR => 2;
    public static int DC => 4;
    public static int Width => 4;

    // MultiplyAddEstimate fuses where the hardware can and falls back to multiply-then-add
    // elsewhere, unlike FusedMultiplyAdd, which would be emulated in software there.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Fma(Vector128<float> x, Vector128<float> y, Vector128<float> acc) =>
        Vector128.MultiplyAddEstimate(x, y, acc);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OuterTile(int kc, float* a, int aStride, float* b, int ldb, float* c, int ldc, bool accumulate)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default,
                         c20 = default, c21 = default, c30 = default, c31 = default;
        for (int kk = 0; kk < kc; kk++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 4);
            var x = Vector128.Create(a[0]);
            c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = Vector128.Create(a[1]);
            c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = Vector128.Create(a[2]);
            c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = Vector128.Create(a[3]);
            c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            a += aStride;
            b += ldb;
        }
        Store(c, c00, c01, accumulate); c += ldc;
        Store(c, c10, c11, accumulate); c += ldc;
        Store(c, c20, c21, accumulate); c += ldc;
        Store(c, c30, c31, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector128<float> v0, Vector128<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector128.Load(c);
            v1 += Vector128.Load(c + 4);
        }
        v0.Store(c);
        v1.Store(c + 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotTile(int kv, float** a, float** b, float* sums)
    {
        float* a0 = a[0], a1 = a[1];
        float* b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
        Vector128<float> s00 = default, s01 = default, s02 = default, s03 = default,
                         s10 = default, s11 = default, s12 = default, s13 = default;
        for (int kk = 0; kk < kv; kk += 4)
        {
            var x0 = Vector128.Load(a0 + kk);
            var x1 = Vector128.Load(a1 + kk);
            var y = Vector128.Load(b0 + kk);
            s00 = Fma(x0, y, s00); s10 = Fma(x1, y, s10);
            y = Vector128.Load(b1 + kk);
            s01 = Fma(x0, y, s01); s11 = Fma(x1, y, s11);
            y = Vector128.Load(b2 + kk);
            s02 = Fma(x0, y, s02); s12 = Fma(x1, y, s12);
            y = Vector128.Load(b3 + kk);
            s03 = Fma(x0, y, s03); s13 = Fma(x1, y, s13);
        }
        sums[0] = Vector128.Sum(s00); sums[1] = Vector128.Sum(s01); sums[2] = Vector128.Sum(s02); sums[3] = Vector128.Sum(s03);
        sums[4] = Vector128.Sum(s10); sums[5] = Vector128.Sum(s11); sums[6] = Vector128.Sum(s12); sums[7] = Vector128.Sum(s13);
    }
}
