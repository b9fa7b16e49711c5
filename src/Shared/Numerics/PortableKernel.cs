// GEMM micro-kernel on Vector128, for CPUs without AVX2 (NEON on Arm64, SSE elsewhere): a 4 x 8 tile
// with 8 accumulators, which fits SSE's 16 registers. Short panels are zero-padded to 4 rows.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dpt.Numerics;

internal readonly unsafe struct PortableKernel : IGemmKernel
{
    public static int MR => 4;
    public static int NR => 8;

    public static int HeightFor(int rows) => 4;

    public static void Tile(int height, int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool accumulate) =>
        Tile4(kc, a, aStride, b, bStride, c, ldc, accumulate);

    // MultiplyAddEstimate fuses where the hardware can and falls back to multiply-then-add
    // elsewhere, unlike FusedMultiplyAdd, which would be emulated in software there.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Fma(Vector128<float> x, Vector128<float> y, Vector128<float> acc) =>
        Vector128.MultiplyAddEstimate(x, y, acc);

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
    private static void Tile4(int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool accumulate)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                         c30 = default, c31 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector128.Load(b + 0);
            var b1 = Vector128.Load(b + 4);
            var x0 = Vector128.Create(a[0]);
            c00 = Fma(x0, b0, c00); c01 = Fma(x0, b1, c01);
            var x1 = Vector128.Create(a[1]);
            c10 = Fma(x1, b0, c10); c11 = Fma(x1, b1, c11);
            var x2 = Vector128.Create(a[2]);
            c20 = Fma(x2, b0, c20); c21 = Fma(x2, b1, c21);
            var x3 = Vector128.Create(a[3]);
            c30 = Fma(x3, b0, c30); c31 = Fma(x3, b1, c31);
            a += aStride;
            b += bStride;
        }
        Store(c, c00, c01, accumulate);
        Store(c + 1 * ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
    }
}
