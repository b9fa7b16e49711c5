// The contract between the GEMM driver (blocking, packing, edges) and a register-tiled
// micro-kernel for one instruction set. Kernels only ever see full tiles; the driver pads edges.
namespace Dpt.Numerics;

internal unsafe interface IGemmKernel
{
    /// <summary>Rows of an outer-product tile: values of A broadcast per step of k.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of an outer-product tile: vector lanes of B per step of k.</summary>
    static abstract int NR { get; }

    /// <summary>
    /// C[r,j] (+)= sum_{kk&lt;kc} A(r,kk) * B(kk,j) for the full (MR, NR) tile, where A(r,kk) is
    /// a[kk*aStride + r] and B(kk,j) is b[kk*ldb + j]; C rows are ldc apart.
    /// </summary>
    static abstract void OuterTile(int kc, float* a, int aStride, float* b, int ldb, float* c, int ldc, bool accumulate);

    /// <summary>Rows of A in a dot-product tile.</summary>
    static abstract int DR { get; }

    /// <summary>Rows of B in a dot-product tile.</summary>
    static abstract int DC { get; }

    /// <summary>Vector width in floats along k for dot products.</summary>
    static abstract int Width { get; }

    /// <summary>
    /// sums[r*DC + s] = sum_{kk&lt;kv} a[r][kk] * b[s][kk] for DR rows of A and DC rows of B;
    /// kv is a multiple of <see cref="Width"/>.
    /// </summary>
    static abstract void DotTile(int kv, float** a, float** b, float* sums);
}
