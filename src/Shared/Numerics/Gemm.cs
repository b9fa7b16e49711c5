// Single-precision matrix products for dense layers, on row-major contiguous matrices.
// Three forms cover a dense layer with weights stored (inputs, outputs): forward Z = A·W + b
// (MatMul), weight gradient dW = Aᵀ·dZ (MatMulTransA) and input gradient dA = dZ·Wᵀ (MatMulTransB).
// One code path per CPU family is chosen at run time; all share the packing and blocking of
// GemmDriver and differ only in their register-tiled micro-kernels. Single-threaded by design:
// workers are the parallelism.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dpt.Numerics;

/// <summary>The instruction-set path a matrix product runs on.</summary>
public enum GemmPath
{
    /// <summary>The fastest path this CPU supports (<see cref="Gemm.Best"/>).</summary>
    Auto,
    /// <summary>512-bit vectors with fused multiply-add (x86 AVX-512F).</summary>
    Avx512,
    /// <summary>256-bit vectors with fused multiply-add (x86 AVX2 + FMA).</summary>
    Avx2,
    /// <summary>128-bit vectors through Vector128, for any CPU .NET runs on (NEON on Arm).</summary>
    Portable,
}

/// <summary>How a matrix operand is laid out in memory.</summary>
public enum MatrixStorage
{
    /// <summary>Row after row.</summary>
    RowMajor,
    /// <summary>In <see cref="Numerics.ColumnPanels"/> of 32 columns: how dense layers store their weights.</summary>
    ColumnPanels,
}

/// <summary>Matrix products C = op(A)·op(B) [+ bias] [+ C] on float32 matrices, row-major unless told otherwise.</summary>
public static unsafe class Gemm
{
    /// <summary>The fastest path this CPU supports.</summary>
    public static GemmPath Best { get; } =
        Avx512F.IsSupported && Fma.IsSupported ? GemmPath.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? GemmPath.Avx2
        : GemmPath.Portable;

    public static bool IsSupported(GemmPath path) => path switch
    {
        GemmPath.Auto or GemmPath.Portable => true,
        GemmPath.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        GemmPath.Avx512 => Avx512F.IsSupported && Fma.IsSupported,
        _ => false,
    };

    /// <summary>
    /// C[i,j] = sum_k A[i,k] * B[j,k] + bias[j] (+ C[i,j] when <paramref name="accumulate"/>).
    /// A is (M, K), B is (N, K), C is (M, N), bias is (N) or empty for none.
    /// </summary>
    public static void MatMulTransB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k,
        ReadOnlySpan<float> bias = default, bool accumulate = false, GemmPath path = GemmPath.Auto, MatrixStorage bStorage = MatrixStorage.RowMajor)
    {
        Check(a, b, c, m, n, k, m, k, n, k);
        if (!bias.IsEmpty && bias.Length < n)
            throw new ArgumentException($"bias has {bias.Length} elements; expected {n}", nameof(bias));
        if (m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
            Multiply(path, pa, k, 1, pb, 1, k, bStorage == MatrixStorage.ColumnPanels ? BStorage.TransposedPanels : BStorage.Strided, pc, false, m, n, k, pbias, accumulate);
    }

    /// <summary>
    /// C[i,j] = sum_k A[k,i] * B[k,j] (+ C[i,j] when <paramref name="accumulate"/>).
    /// A is (K, M), B is (K, N), C is (M, N).
    /// </summary>
    public static void MatMulTransA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k,
        bool accumulate = false, GemmPath path = GemmPath.Auto, MatrixStorage cStorage = MatrixStorage.RowMajor) =>
        MatMulTransA(a, b, n, c, m, n, k, accumulate, path, cStorage);

    /// <summary>
    /// As <see cref="MatMulTransA(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, GemmPath, MatrixStorage)"/>,
    /// with B's rows <paramref name="bRowStride"/> apart: B is then columns of a wider matrix, as when a weight
    /// gradient is computed a block of output columns at a time. Each element of C is the same sum, in the same
    /// order, as in the product of the whole matrix.
    /// </summary>
    public static void MatMulTransA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int bRowStride, Span<float> c, int m, int n, int k,
        bool accumulate = false, GemmPath path = GemmPath.Auto, MatrixStorage cStorage = MatrixStorage.RowMajor)
    {
        if (bRowStride < n) throw new ArgumentOutOfRangeException(nameof(bRowStride), bRowStride, $"must be at least the {n} columns of B");
        Check(a, default, c, m, n, k, k, m, 0, 0);
        long bNeeds = k == 0 || n == 0 ? 0 : (long)(k - 1) * bRowStride + n;
        if (b.Length < bNeeds)
            throw new ArgumentException($"B has {b.Length} elements; ({k}, {n}) with rows {bRowStride} apart needs {bNeeds}", nameof(b));
        if (m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c)
            Multiply(path, pa, 1, m, pb, bRowStride, 1, BStorage.Strided, pc, cStorage == MatrixStorage.ColumnPanels, m, n, k, null, accumulate);
    }

    /// <summary>
    /// C[i,j] = sum_k A[i,k] * B[k,j] + bias[j] (+ C[i,j] when <paramref name="accumulate"/>).
    /// A is (M, K), B is (K, N), C is (M, N), bias is (N) or empty for none.
    /// </summary>
    public static void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k,
        ReadOnlySpan<float> bias = default, bool accumulate = false, GemmPath path = GemmPath.Auto, MatrixStorage bStorage = MatrixStorage.RowMajor)
    {
        Check(a, b, c, m, n, k, m, k, k, n);
        if (!bias.IsEmpty && bias.Length < n)
            throw new ArgumentException($"bias has {bias.Length} elements; expected {n}", nameof(bias));
        if (m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
            Multiply(path, pa, k, 1, pb, n, 1, bStorage == MatrixStorage.ColumnPanels ? BStorage.Panels : BStorage.Strided, pc, false, m, n, k, pbias, accumulate);
    }

    /// <summary>op(A)(i,k) = a[i*ars + k*acs]; op(B)(k,j) = b[k*brs + j*bcs] unless stored in column panels.</summary>
    private static void Multiply(GemmPath path, float* a, nint ars, nint acs, float* b, nint brs, nint bcs, BStorage bStorage,
        float* c, bool cPanels, int m, int n, int k, float* bias, bool accumulate)
    {
        switch (Resolve(path))
        {
            case GemmPath.Avx512: GemmDriver<Avx512Kernel>.Multiply(a, ars, acs, b, brs, bcs, bStorage, c, cPanels, m, n, k, bias, accumulate); break;
            case GemmPath.Avx2: GemmDriver<Avx2Kernel>.Multiply(a, ars, acs, b, brs, bcs, bStorage, c, cPanels, m, n, k, bias, accumulate); break;
            default: GemmDriver<PortableKernel>.Multiply(a, ars, acs, b, brs, bcs, bStorage, c, cPanels, m, n, k, bias, accumulate); break;
        }
    }


    private static GemmPath Resolve(GemmPath path)
    {
        if (path == GemmPath.Auto) return Best;
        if (!IsSupported(path))
            throw new PlatformNotSupportedException($"GEMM path {path} is not supported by this CPU; the best it supports is {Best}");
        return path;
    }

    private static void Check(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k,
        int aRows, int aCols, int bRows, int bCols)
    {
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), m, "must be non-negative");
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "must be non-negative");
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), k, "must be non-negative");
        if (a.Length < (long)aRows * aCols)
            throw new ArgumentException($"A has {a.Length} elements; a ({aRows}, {aCols}) matrix needs {(long)aRows * aCols}", nameof(a));
        if (b.Length < (long)bRows * bCols)
            throw new ArgumentException($"B has {b.Length} elements; a ({bRows}, {bCols}) matrix needs {(long)bRows * bCols}", nameof(b));
        if (c.Length < (long)m * n)
            throw new ArgumentException($"C has {c.Length} elements; a ({m}, {n}) matrix needs {(long)m * n}", nameof(c));
    }
}
