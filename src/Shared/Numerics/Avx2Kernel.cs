// GEMM micro-kernels for AVX2 + FMA (16 ymm registers). Outer-product tile 6 x 16 (12 accumulators,
// two B vectors and a broadcast: 15 registers); dot-product tile 3 x 4 (12 accumulators).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dpt.Numerics;

internal readonly unsafe struct Avx2Kernel : IGemmKernel
{
    public static int MR => 6;
    public static int NR => 16;
    public static int DR => 3;
    public static int DC => 4;
    public static int Width => 8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OuterTile(int kc, float* a, int aStride, float* b, int ldb, float* c, int ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                         c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int kk = 0; kk < kc; kk++)
        {
            var b0 = Avx.LoadVector256(b);
            var b1 = Avx.LoadVector256(b + 8);
            var x = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Avx.BroadcastScalarToVector256(a + 4);
            c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Avx.BroadcastScalarToVector256(a + 5);
            c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
            a += aStride;
            b += ldb;
        }
        Store(c, c00, c01, accumulate); c += ldc;
        Store(c, c10, c11, accumulate); c += ldc;
        Store(c, c20, c21, accumulate); c += ldc;
        Store(c, c30, c31, accumulate); c += ldc;
        Store(c, c40, c41, accumulate); c += ldc;
        Store(c, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> v0, Vector256<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 = Avx.Add(v0, Avx.LoadVector256(c));
            v1 = Avx.Add(v1, Avx.LoadVector256(c + 8));
        }
        Avx.Store(c, v0);
        Avx.Store(c + 8, v1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotTile(int kv, float** a, float** b, float* sums)
    {
        float* a0 = a[0], a1 = a[1], a2 = a[2];
        float* b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
        Vector256<float> s00 = default, s01 = default, s02 = default, s03 = default,
                         s10 = default, s11 = default, s12 = default, s13 = default,
                         s20 = default, s21 = default, s22 = default, s23 = default;
        for (int kk = 0; kk < kv; kk += 8)
        {
            var x0 = Avx.LoadVector256(a0 + kk);
            var x1 = Avx.LoadVector256(a1 + kk);
            var x2 = Avx.LoadVector256(a2 + kk);
            var y = Avx.LoadVector256(b0 + kk);
            s00 = Fma.MultiplyAdd(x0, y, s00); s10 = Fma.MultiplyAdd(x1, y, s10); s20 = Fma.MultiplyAdd(x2, y, s20);
            y = Avx.LoadVector256(b1 + kk);
            s01 = Fma.MultiplyAdd(x0, y, s01); s11 = Fma.MultiplyAdd(x1, y, s11); s21 = Fma.MultiplyAdd(x2, y, s21);
            y = Avx.LoadVector256(b2 + kk);
            s02 = Fma.MultiplyAdd(x0, y, s02); s12 = Fma.MultiplyAdd(x1, y, s12); s22 = Fma.MultiplyAdd(x2, y, s22);
            y = Avx.LoadVector256(b3 + kk);
            s03 = Fma.MultiplyAdd(x0, y, s03); s13 = Fma.MultiplyAdd(x1, y, s13); s23 = Fma.MultiplyAdd(x2, y, s23);
        }
        Sse.Store(sums, Reduce4(s00, s01, s02, s03));
        Sse.Store(sums + 4, Reduce4(s10, s11, s12, s13));
        Sse.Store(sums + 8, Reduce4(s20, s21, s22, s23));
    }

    /// <summary>[sum(v0), sum(v1), sum(v2), sum(v3)]: fold 256 to 128 bits, then horizontal adds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Reduce4(Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3)
    {
        Vector128<float> t0 = Sse.Add(v0.GetLower(), v0.GetUpper()), t1 = Sse.Add(v1.GetLower(), v1.GetUpper()),
                         t2 = Sse.Add(v2.GetLower(), v2.GetUpper()), t3 = Sse.Add(v3.GetLower(), v3.GetUpper());
        return Sse3.HorizontalAdd(Sse3.HorizontalAdd(t0, t1), Sse3.HorizontalAdd(t2, t3));
    }
}
