// Blocking and packing shared by every GEMM path, after GotoBLAS/BLIS: C (M,N) += op(A) (M,K) · op(B) (K,N)
// with each operand given by two strides, so one driver serves A·B, Aᵀ·B and A·Bᵀ. A (kc, NC) block of B
// is packed into NR-wide panels that stay in L2 (one panel in L1 while it sweeps down the rows), and an
// (MC, kc) block of A into MR-high panels; ragged edges are zero-padded. Reading a row-major operand in
// place instead was measured slower for both (interleaved runs: 322 against 274 µs for the forward product
// of 64 samples, 273 against 254 µs for its weight gradient): strided panels cost more in cache misses than
// the copy does. A weight matrix stored in ColumnPanels, however, is already the packed layout: it is read
// in place, and a weight gradient is written in it.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dpt.Numerics;

/// <summary>How op(B) of a product is stored.</summary>
internal enum BStorage
{
    /// <summary>op(B)(k, j) = b[k*brs + j*bcs].</summary>
    Strided,
    /// <summary>op(B) = B, a (K, N) matrix stored in <see cref="ColumnPanels"/>.</summary>
    Panels,
    /// <summary>op(B) = Sᵀ, with S an (N, K) matrix stored in <see cref="ColumnPanels"/>.</summary>
    TransposedPanels,
}

[SkipLocalsInit]
internal static unsafe class GemmDriver<TKernel> where TKernel : struct, IGemmKernel
{
    // KC x NR of B (16 KiB for NR = 32) plus KC x MR of A stay in a 32 KiB L1d; NC x KC of B (256 KiB)
    // and MC x KC of A (120 KiB) stay in a 1 MiB L2 alongside C.
    private const int KC = 128;
    private const int NC = 512;
    private const int MC = 240;

    /// <summary>
    /// C = op(A)·op(B) [+ bias per column] [+ C], where op(A)(i,k) = a[i*ars + k*acs] and op(B)(k,j) = b[k*brs + j*bcs]
    /// (for <see cref="BStorage.Strided"/>), or op(B) is a matrix stored in <see cref="ColumnPanels"/> (directly, or
    /// transposed); C is row-major, or stored in column panels when <paramref name="cPanels"/>.
    /// </summary>
    public static void Multiply(float* a, nint ars, nint acs, float* b, nint brs, nint bcs, BStorage bStorage, float* c, bool cPanels,
        int m, int n, int k, float* bias, bool accumulate)
    {
        Debug.Assert(bias == null || !cPanels, "a bias is added to a row-major C only");
        if (bias != null)
        {
            for (int i = 0; i < m; i++)
            {
                var row = new Span<float>(c + (nint)i * n, n);
                if (accumulate) System.Numerics.Tensors.TensorPrimitives.Add(row, new ReadOnlySpan<float>(bias, n), row);
                else new ReadOnlySpan<float>(bias, n).CopyTo(row);
            }
            accumulate = true;
        }
        if (k == 0)
        {
            if (!accumulate) new Span<float>(c, checked(m * n)).Clear();
            return;
        }
        int nr = TKernel.NR, mr = TKernel.MR;
        float* packedB = GemmWorkspace.PackedB(KC * ((Math.Min(NC, n) + nr - 1) / nr) * nr);
        float* packedA = GemmWorkspace.PackedA(KC * ((Math.Min(MC, m) + mr - 1) / mr) * mr);
        float* tile = stackalloc float[mr * nr];

        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                bool acc = accumulate || pc > 0;
                if (bStorage == BStorage.Panels)
                    PackPanelEdges(b, k, n, jc, nc, pc, kc, packedB);
                else if (bStorage == BStorage.TransposedPanels)
                    PackTransposedPanels(b, n, k, jc, nc, pc, kc, packedB);
                else if (bcs == 1)
                    PackRowsOfB(b + pc * brs + jc, brs, kc, nc, packedB);
                else
                    for (int jr = 0; jr < nc; jr += nr)
                        PackColumnsOfB(b + pc * brs + (jc + jr) * bcs, brs, bcs, kc, Math.Min(nr, nc - jr), packedB + (nint)jr * kc);
                for (int ic = 0; ic < m; ic += MC)
                {
                    int mcBlock = Math.Min(MC, m - ic);
                    for (int ir = 0; ir < mcBlock; ir += mr)
                    {
                        int rows = Math.Min(mr, mcBlock - ir);
                        PackA(a + (ic + ir) * ars + pc * acs, ars, acs, kc, rows, TKernel.HeightFor(rows), packedA + (nint)ir * kc);
                    }
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        // A panel-stored B is read in place where its panel is full; other panels were packed above.
                        float* bp = packedB + (nint)jr * kc;
                        nint bStride = nr;
                        int j0 = jc + jr, q = j0 / ColumnPanels.Width, qWidth = Math.Min(ColumnPanels.Width, n - q * ColumnPanels.Width);
                        if (bStorage == BStorage.Panels && qWidth == ColumnPanels.Width)
                        {
                            bp = b + (nint)q * ColumnPanels.Width * k + (nint)pc * ColumnPanels.Width + (j0 - q * ColumnPanels.Width);
                            bStride = ColumnPanels.Width;
                        }
                        // C's row stride: n when row-major; in column panels, the width of the panel holding these columns.
                        nint ldc = cPanels ? qWidth : n;
                        float* cColumn = cPanels ? c + (nint)q * ColumnPanels.Width * m + (j0 - q * ColumnPanels.Width) : c + j0;
                        for (int ir = 0; ir < mcBlock; ir += mr)
                        {
                            int rows = Math.Min(mr, mcBlock - ir);
                            int height = TKernel.HeightFor(rows);
                            float* ap = packedA + (nint)ir * kc;
                            float* cTile = cColumn + (ic + ir) * ldc;
                            if (rows == height && cols == nr)
                            {
                                TKernel.Tile(height, kc, ap, height, bp, bStride, cTile, ldc, acc);
                                continue;
                            }
                            TKernel.Tile(height, kc, ap, height, bp, bStride, tile, nr, false);
                            for (int r = 0; r < rows; r++)
                            {
                                float* src = tile + r * nr, dst = cTile + r * ldc;
                                for (int j = 0; j < cols; j++) dst[j] = acc ? dst[j] + src[j] : src[j];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// For B (K, N) stored in column panels: packs the kernel panels that cannot be read in place (those in a
    /// narrower last storage panel), zero-padded to NR; full storage panels are left where they are.
    /// </summary>
    private static void PackPanelEdges(float* b, int k, int n, int jc, int nc, int pc, int kc, float* dst)
    {
        int nr = TKernel.NR;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int j0 = jc + jr, q = j0 / ColumnPanels.Width, width = Math.Min(ColumnPanels.Width, n - q * ColumnPanels.Width);
            if (width == ColumnPanels.Width) continue;
            float* src = b + (nint)q * ColumnPanels.Width * k + (nint)pc * width + (j0 - q * ColumnPanels.Width);
            int cols = Math.Min(nr, width - (j0 - q * ColumnPanels.Width));
            for (int kk = 0; kk < kc; kk++)
                CopyPadded(src + (nint)kk * width, dst + (nint)jr * kc + (nint)kk * nr, cols, nr);
        }
    }

    /// <summary>
    /// For op(B) = Sᵀ, with S (N, K) stored in column panels (a layer's weights in the input gradient dZ·Wᵀ):
    /// op(B)(k, j) = S(j, k), whose k run along S's panels; each run inside one storage panel is a transposed block.
    /// </summary>
    private static void PackTransposedPanels(float* s, int n, int k, int jc, int nc, int pc, int kc, float* dst)
    {
        int nr = TKernel.NR;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* panel = dst + (nint)jr * kc;
            for (int k0 = pc; k0 < pc + kc;)
            {
                int q = k0 / ColumnPanels.Width, width = Math.Min(ColumnPanels.Width, k - q * ColumnPanels.Width);
                int k1 = Math.Min(pc + kc, q * ColumnPanels.Width + width);
                float* src = s + (nint)q * ColumnPanels.Width * n + (nint)(jc + jr) * width + (k0 - q * ColumnPanels.Width);
                // Element (kk, j) of this run is src[j*width + kk].
                Transpose(src, width, 1, k1 - k0, cols, nr, panel + (nint)(k0 - pc) * nr);
                k0 = k1;
            }
        }
    }

    /// <summary>dst[kk*height + r] = op(A)(r, kk) for r &lt; rows, 0 for rows ≤ r &lt; height.</summary>
    private static void PackA(float* src, nint rs, nint cs, int kc, int rows, int height, float* dst)
    {
        if (rs == 1)
        {
            // op(A) columns are contiguous (A stored k-major): copy a run of `rows` floats per k.
            for (int kk = 0; kk < kc; kk++)
                CopyPadded(src + kk * cs, dst + kk * height, rows, height);
            return;
        }
        // op(A) rows are contiguous along k: transpose them into the panel.
        Transpose(src, rs, cs, kc, rows, height, dst);
    }

    /// <summary>
    /// dst[kk*width + r] = src[r*rs + kk*cs] for r &lt; rows (0 up to width): a row-major block transposed into
    /// a panel. With contiguous rows it moves 4 x 4 blocks through registers, one load and one store per
    /// four values, instead of one strided store per value.
    /// </summary>
    private static void Transpose(float* src, nint rs, nint cs, int kc, int rows, int width, float* dst)
    {
        int r0 = 0;
        if (cs == 1 && Sse.IsSupported)
        {
            for (; r0 + 4 <= rows; r0 += 4)
            {
                float* s0 = src + r0 * rs, s1 = s0 + rs, s2 = s1 + rs, s3 = s2 + rs;
                float* d = dst + r0;
                int kk = 0;
                for (; kk + 4 <= kc; kk += 4)
                {
                    // 4 x 4 transpose: rows (a, b, c, d) become columns.
                    Vector128<float> a = Sse.LoadVector128(s0 + kk), b = Sse.LoadVector128(s1 + kk),
                                     c = Sse.LoadVector128(s2 + kk), e = Sse.LoadVector128(s3 + kk);
                    Vector128<float> ab0 = Sse.UnpackLow(a, b), ab1 = Sse.UnpackHigh(a, b),
                                     ce0 = Sse.UnpackLow(c, e), ce1 = Sse.UnpackHigh(c, e);
                    Sse.Store(d + (nint)kk * width, Sse.MoveLowToHigh(ab0, ce0));
                    Sse.Store(d + (nint)(kk + 1) * width, Sse.MoveHighToLow(ce0, ab0));
                    Sse.Store(d + (nint)(kk + 2) * width, Sse.MoveLowToHigh(ab1, ce1));
                    Sse.Store(d + (nint)(kk + 3) * width, Sse.MoveHighToLow(ce1, ab1));
                }
                for (; kk < kc; kk++)
                {
                    float* dk = d + (nint)kk * width;
                    dk[0] = s0[kk]; dk[1] = s1[kk]; dk[2] = s2[kk]; dk[3] = s3[kk];
                }
            }
        }
        for (int r = r0; r < rows; r++)
        {
            float* s = src + r * rs;
            float* d = dst + r;
            for (int kk = 0; kk < kc; kk++) d[(nint)kk * width] = s[kk * cs];
        }
        for (int r = rows; r < width; r++)
            for (int kk = 0; kk < kc; kk++) dst[(nint)kk * width + r] = 0f;
    }

    /// <summary>
    /// Packs a (kc, nc) block of a row-major B into NR-wide panels reading each row once, front to back: the
    /// block was usually just written by another core (the parameter server), and a sequential read lets the
    /// hardware prefetcher stream it, where panel-by-panel reads (one slice per row) stalled on each line.
    /// </summary>
    private static void PackRowsOfB(float* src, nint ldb, int kc, int nc, float* dst)
    {
        int nr = TKernel.NR;
        int full = nc - nc % nr;
        for (int kk = 0; kk < kc; kk++)
        {
            float* row = src + kk * ldb;
            float* to = dst + (nint)kk * nr;
            int jr = 0;
            for (; jr < full; jr += nr) CopyFull(row + jr, to + (nint)jr * kc, nr);
            for (; jr < nc; jr += nr)
                CopyPadded(row + jr, to + (nint)jr * kc, Math.Min(nr, nc - jr), nr);
        }
    }

    /// <summary>dst[kk*NR + j] = op(B)(kk, j) for j &lt; cols, 0 for cols ≤ j &lt; NR, when op(B)'s columns are
    /// contiguous along k (B stored transposed): the columns are transposed into the panel.</summary>
    private static void PackColumnsOfB(float* src, nint rs, nint cs, int kc, int cols, float* dst) =>
        Transpose(src, cs, rs, kc, cols, TKernel.NR, dst);

    /// <summary>Copies a full panel row (a multiple of 8 floats) with the widest moves the CPU has: measured 2-3% off
    /// the forward product of the reference model's first layer against the padded copy below.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyFull(float* src, float* dst, int count)
    {
        int j = 0;
        if (Avx512F.IsSupported)
            for (; j + 16 <= count; j += 16) Avx512F.Store(dst + j, Avx512F.LoadVector512(src + j));
        for (; j + 8 <= count; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
        for (; j < count; j++) dst[j] = src[j];
    }

    /// <summary>Copies <paramref name="count"/> floats and zero-fills up to <paramref name="width"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyPadded(float* src, float* dst, int count, int width)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j + 8 <= count; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
        for (; j + 4 <= count; j += 4) Vector128.Store(Vector128.Load(src + j), dst + j);
        for (; j < count; j++) dst[j] = src[j];
        for (; j < width; j++) dst[j] = 0f;
    }
}
