// GEMM micro-kernels for AVX2 + FMA (16 ymm registers). The main tile is 6 x 16: 12 accumulators,
// two B vectors and a broadcast (15 registers); 4- and 2-row tiles finish short panels.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dpt.Numerics;

internal readonly unsafe struct Avx2Kernel : IGemmKernel
{
    public static int MR => 6;
    public static int NR => 16;

    public static int HeightFor(int rows) => rows <= 2 ? 2 : rows <= 4 ? 4 : 6;

    public static void Tile(int height, int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool accumulate)
    {
        switch (height)
        {
            case 6: Tile6(kc, a, aStride, b, bStride, c, ldc, accumulate); break;
            case 4: Tile4(kc, a, aStride, b, bStride, c, ldc, accumulate); break;
            default: Tile2(kc, a, aStride, b, bStride, c, ldc, accumulate); break;
        }
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
    private static void Tile6(int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                         c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Avx.LoadVector256(b + 0);
            var b1 = Avx.LoadVector256(b + 8);
            var x0 = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(x0, b0, c00); c01 = Fma.MultiplyAdd(x0, b1, c01);
            var x1 = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(x1, b0, c10); c11 = Fma.MultiplyAdd(x1, b1, c11);
            var x2 = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(x2, b0, c20); c21 = Fma.MultiplyAdd(x2, b1, c21);
            var x3 = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(x3, b0, c30); c31 = Fma.MultiplyAdd(x3, b1, c31);
            var x4 = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(x4, b0, c40); c41 = Fma.MultiplyAdd(x4, b1, c41);
            var x5 = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(x5, b0, c50); c51 = Fma.MultiplyAdd(x5, b1, c51);
            a += aStride;
            b += bStride;
        }
        Store(c, c00, c01, accumulate);
        Store(c + 1 * ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
        Store(c + 4 * ldc, c40, c41, accumulate);
        Store(c + 5 * ldc, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4(int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                         c30 = default, c31 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Avx.LoadVector256(b + 0);
            var b1 = Avx.LoadVector256(b + 8);
            var x0 = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(x0, b0, c00); c01 = Fma.MultiplyAdd(x0, b1, c01);
            var x1 = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(x1, b0, c10); c11 = Fma.MultiplyAdd(x1, b1, c11);
            var x2 = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(x2, b0, c20); c21 = Fma.MultiplyAdd(x2, b1, c21);
            var x3 = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(x3, b0, c30); c31 = Fma.MultiplyAdd(x3, b1, c31);
            a += aStride;
            b += bStride;
        }
        Store(c, c00, c01, accumulate);
        Store(c + 1 * ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile2(int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Avx.LoadVector256(b + 0);
            var b1 = Avx.LoadVector256(b + 8);
            var x0 = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(x0, b0, c00); c01 = Fma.MultiplyAdd(x0, b1, c01);
            var x1 = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(x1, b0, c10); c11 = Fma.MultiplyAdd(x1, b1, c11);
            a += aStride;
            b += bStride;
        }
        Store(c, c00, c01, accumulate);
        Store(c + 1 * ldc, c10, c11, accumulate);
    }
}
