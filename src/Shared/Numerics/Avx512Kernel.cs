// GEMM micro-kernels for AVX-512F. The main tile is 12 x 32: 24 zmm accumulators, two B vectors and a
// broadcast (27 of 32 registers), 24 FMAs per 14 loads, which keeps both FMA ports busy where an
// 8 x 32 tile was front-end bound (measured ~112 against ~82 GFLOP/s on packed panels). The 8- and
// 4-row tiles finish panels of batches such as 64 and 128 without computing padding rows.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dpt.Numerics;

internal readonly unsafe struct Avx512Kernel : IGemmKernel
{
    public static int MR => 12;
    public static int NR => 32;

    public static int HeightFor(int rows) => rows <= 4 ? 4 : rows <= 8 ? 8 : 12;

    public static void Tile(int height, int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool accumulate)
    {
        switch (height)
        {
            case 12: Tile12(kc, a, aStride, b, bStride, c, ldc, accumulate); break;
            case 8: Tile8(kc, a, aStride, b, bStride, c, ldc, accumulate); break;
            default: Tile4(kc, a, aStride, b, bStride, c, ldc, accumulate); break;
        }
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
    private static void Tile12(int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                         c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
                         c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default,
                         c90 = default, c91 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Avx512F.LoadVector512(b + 0);
            var b1 = Avx512F.LoadVector512(b + 16);
            var x0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(x0, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x0, b1, c01);
            var x1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(x1, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x1, b1, c11);
            var x2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(x2, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x2, b1, c21);
            var x3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(x3, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x3, b1, c31);
            var x4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(x4, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x4, b1, c41);
            var x5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(x5, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x5, b1, c51);
            var x6 = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(x6, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x6, b1, c61);
            var x7 = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(x7, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x7, b1, c71);
            var x8 = Vector512.Create(a[8]);
            c80 = Avx512F.FusedMultiplyAdd(x8, b0, c80); c81 = Avx512F.FusedMultiplyAdd(x8, b1, c81);
            var x9 = Vector512.Create(a[9]);
            c90 = Avx512F.FusedMultiplyAdd(x9, b0, c90); c91 = Avx512F.FusedMultiplyAdd(x9, b1, c91);
            var x10 = Vector512.Create(a[10]);
            c100 = Avx512F.FusedMultiplyAdd(x10, b0, c100); c101 = Avx512F.FusedMultiplyAdd(x10, b1, c101);
            var x11 = Vector512.Create(a[11]);
            c110 = Avx512F.FusedMultiplyAdd(x11, b0, c110); c111 = Avx512F.FusedMultiplyAdd(x11, b1, c111);
            a += aStride;
            b += bStride;
        }
        Store(c, c00, c01, accumulate);
        Store(c + 1 * ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
        Store(c + 4 * ldc, c40, c41, accumulate);
        Store(c + 5 * ldc, c50, c51, accumulate);
        Store(c + 6 * ldc, c60, c61, accumulate);
        Store(c + 7 * ldc, c70, c71, accumulate);
        Store(c + 8 * ldc, c80, c81, accumulate);
        Store(c + 9 * ldc, c90, c91, accumulate);
        Store(c + 10 * ldc, c100, c101, accumulate);
        Store(c + 11 * ldc, c110, c111, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8(int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                         c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
                         c60 = default, c61 = default, c70 = default, c71 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Avx512F.LoadVector512(b + 0);
            var b1 = Avx512F.LoadVector512(b + 16);
            var x0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(x0, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x0, b1, c01);
            var x1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(x1, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x1, b1, c11);
            var x2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(x2, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x2, b1, c21);
            var x3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(x3, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x3, b1, c31);
            var x4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(x4, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x4, b1, c41);
            var x5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(x5, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x5, b1, c51);
            var x6 = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(x6, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x6, b1, c61);
            var x7 = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(x7, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x7, b1, c71);
            a += aStride;
            b += bStride;
        }
        Store(c, c00, c01, accumulate);
        Store(c + 1 * ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
        Store(c + 4 * ldc, c40, c41, accumulate);
        Store(c + 5 * ldc, c50, c51, accumulate);
        Store(c + 6 * ldc, c60, c61, accumulate);
        Store(c + 7 * ldc, c70, c71, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4(int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                         c30 = default, c31 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Avx512F.LoadVector512(b + 0);
            var b1 = Avx512F.LoadVector512(b + 16);
            var x0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(x0, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x0, b1, c01);
            var x1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(x1, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x1, b1, c11);
            var x2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(x2, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x2, b1, c21);
            var x3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(x3, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x3, b1, c31);
            a += aStride;
            b += bStride;
        }
        Store(c, c00, c01, accumulate);
        Store(c + 1 * ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
    }
}
