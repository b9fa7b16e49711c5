// GEMM micro-kernels for AVX-512F. Outer-product tile 8 x 32 (16 zmm accumulators, two B vectors
// and a broadcast: 19 of 32 registers); dot-product tile 4 x 4 (16 accumulators, 8 loads per 16 FMAs,
// which two FMA ports and two load ports sustain).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dpt.Numerics;

internal readonly unsafe struct Avx512Kernel : IGemmKernel
{
    public static int MR => 8;
    public static int NR => 32;
    public static int DR => 4;
    public static int DC => 4;
    public static int Width => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OuterTile(int kc, float* a, int aStride, float* b, int ldb, float* c, int ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default,
                         c20 = default, c21 = default, c30 = default, c31 = default,
                         c40 = default, c41 = default, c50 = default, c51 = default,
                         c60 = default, c61 = default, c70 = default, c71 = default;
        for (int kk = 0; kk < kc; kk++)
        {
            var b0 = Avx512F.LoadVector512(b);
            var b1 = Avx512F.LoadVector512(b + 16);
            var x = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            a += aStride;
            b += ldb;
        }
        Store(c, c00, c01, accumulate); c += ldc;
        Store(c, c10, c11, accumulate); c += ldc;
        Store(c, c20, c21, accumulate); c += ldc;
        Store(c, c30, c31, accumulate); c += ldc;
        Store(c, c40, c41, accumulate); c += ldc;
        Store(c, c50, c51, accumulate); c += ldc;
        Store(c, c60, c61, accumulate); c += ldc;
        Store(c, c70, c71, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> v0, Vector512<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 = Avx512F.Add(v0, Avx512F.LoadVector512(c));
            v1 = Avx512F.Add(v1, Avx512F.LoadVector512(c + 16));
        }
        Avx512F.Store(c, v0);
        Avx512F.Store(c + 16, v1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotTile(int kv, float** a, float** b, float* sums)
    {
        float* a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
        float* b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default,
                         s10 = default, s11 = default, s12 = default, s13 = default,
                         s20 = default, s21 = default, s22 = default, s23 = default,
                         s30 = default, s31 = default, s32 = default, s33 = default;
        for (int kk = 0; kk < kv; kk += 16)
        {
            var x0 = Avx512F.LoadVector512(a0 + kk);
            var x1 = Avx512F.LoadVector512(a1 + kk);
            var x2 = Avx512F.LoadVector512(a2 + kk);
            var x3 = Avx512F.LoadVector512(a3 + kk);
            var y = Avx512F.LoadVector512(b0 + kk);
            s00 = Avx512F.FusedMultiplyAdd(x0, y, s00); s10 = Avx512F.FusedMultiplyAdd(x1, y, s10);
            s20 = Avx512F.FusedMultiplyAdd(x2, y, s20); s30 = Avx512F.FusedMultiplyAdd(x3, y, s30);
            y = Avx512F.LoadVector512(b1 + kk);
            s01 = Avx512F.FusedMultiplyAdd(x0, y, s01); s11 = Avx512F.FusedMultiplyAdd(x1, y, s11);
            s21 = Avx512F.FusedMultiplyAdd(x2, y, s21); s31 = Avx512F.FusedMultiplyAdd(x3, y, s31);
            y = Avx512F.LoadVector512(b2 + kk);
            s02 = Avx512F.FusedMultiplyAdd(x0, y, s02); s12 = Avx512F.FusedMultiplyAdd(x1, y, s12);
            s22 = Avx512F.FusedMultiplyAdd(x2, y, s22); s32 = Avx512F.FusedMultiplyAdd(x3, y, s32);
            y = Avx512F.LoadVector512(b3 + kk);
            s03 = Avx512F.FusedMultiplyAdd(x0, y, s03); s13 = Avx512F.FusedMultiplyAdd(x1, y, s13);
            s23 = Avx512F.FusedMultiplyAdd(x2, y, s23); s33 = Avx512F.FusedMultiplyAdd(x3, y, s33);
        }
        Sse.Store(sums, Reduce4(s00, s01, s02, s03));
        Sse.Store(sums + 4, Reduce4(s10, s11, s12, s13));
        Sse.Store(sums + 8, Reduce4(s20, s21, s22, s23));
        Sse.Store(sums + 12, Reduce4(s30, s31, s32, s33));
    }

    /// <summary>[sum(v0), sum(v1), sum(v2), sum(v3)]: fold 512 to 128 bits, then horizontal adds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Reduce4(Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3)
    {
        Vector128<float> t0 = Fold(v0), t1 = Fold(v1), t2 = Fold(v2), t3 = Fold(v3);
        return Sse3.HorizontalAdd(Sse3.HorizontalAdd(t0, t1), Sse3.HorizontalAdd(t2, t3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Fold(Vector512<float> v)
    {
        Vector256<float> h = Avx.Add(v.GetLower(), v.GetUpper());
        return Sse.Add(h.GetLower(), h.GetUpper());
    }
}
