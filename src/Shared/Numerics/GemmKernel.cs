// The contract between the GEMM driver (blocking and packing) and a register-tiled micro-kernel for
// one instruction set. The kernel walks two panels with a stride per step of k (the driver passes packed
// panels: height and NR); ragged edges are zero-padded by the packing.
namespace Dpt.Numerics;

internal unsafe interface IGemmKernel
{
    /// <summary>Rows of a full tile: values of A broadcast per step of k.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of a tile: vector lanes of B per step of k.</summary>
    static abstract int NR { get; }

    /// <summary>The tile height the kernel uses for a panel with <paramref name="rows"/> (1..MR) valid rows:
    /// the smallest it has that holds them, so short edges waste few multiplications.</summary>
    static abstract int HeightFor(int rows);

    /// <summary>
    /// C[r,j] (+)= sum_{k&lt;kc} a[k*aStride + r] * b[k*bStride + j] for r &lt; <paramref name="height"/> (a value
    /// <see cref="HeightFor"/> returns) and j &lt; NR; C rows are <paramref name="ldc"/> floats apart.
    /// </summary>
    static abstract void Tile(int height, int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool accumulate);
}
