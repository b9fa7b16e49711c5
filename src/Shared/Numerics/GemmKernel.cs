// The contract between the GEMM driver (blocking and packing) and a register-tiled micro-kernel for
// one instruction set. Both operands reach the kernel packed, so it only ever walks two contiguous
// panels; ragged edges are zero-padded by the packing.
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
    /// C[r,j] (+)= sum_{k&lt;kc} a[k*height + r] * b[k*NR + j] for r &lt; <paramref name="height"/> (a value
    /// <see cref="HeightFor"/> returns) and j &lt; NR; C rows are <paramref name="ldc"/> floats apart.
    /// </summary>
    static abstract void Tile(int height, int kc, float* a, float* b, float* c, nint ldc, bool accumulate);
}
