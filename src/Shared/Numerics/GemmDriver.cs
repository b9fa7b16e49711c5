// Blocking, packing and edge handling shared by every GEMM path. Micro-kernels compute full
// register tiles; this driver feeds them panels that fit the L1 cache and pads ragged edges
// with zeros (computing a partial tile into a scratch tile, then copying the valid part).
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Dpt.Numerics;

[SkipLocalsInit]
internal static unsafe class GemmDriver<TKernel> where TKernel : struct, IGemmKernel
{
    // A (kc, MR) panel and a (kc, NR) panel together stay well inside a 32 KiB L1d for kc = 256.
    private const int KC = 256;

    /// <summary>C (M,N) = A (M,K) · B (N,K)ᵀ [+ bias] [+ C]. Dot products along k, which is contiguous in both.</summary>
    public static void MatMulTransB(float* a, float* b, float* c, int m, int n, int k, float* bias, bool accumulate)
    {
        int dr = TKernel.DR, dc = TKernel.DC;
        int kv = k - k % TKernel.Width;
        float* sums = stackalloc float[dr * dc];
        float** ap = stackalloc float*[dr];
        float** bp = stackalloc float*[dc];
        for (int i0 = 0; i0 < m; i0 += dr)
        {
            int rows = Math.Min(dr, m - i0);
            // Edge rows repeat the last valid row: the kernel stays branch-free, the extra sums are discarded.
            for (int r = 0; r < dr; r++) ap[r] = a + (long)(i0 + Math.Min(r, rows - 1)) * k;
            for (int j0 = 0; j0 < n; j0 += dc)
            {
                int cols = Math.Min(dc, n - j0);
                for (int s = 0; s < dc; s++) bp[s] = b + (long)(j0 + Math.Min(s, cols - 1)) * k;
                TKernel.DotTile(kv, ap, bp, sums);
                for (int r = 0; r < rows; r++)
                {
                    float* crow = c + (long)(i0 + r) * n + j0;
                    for (int s = 0; s < cols; s++)
                    {
                        float v = sums[r * dc + s];
                        for (int kk = kv; kk < k; kk++) v += ap[r][kk] * bp[s][kk];
                        if (bias != null) v += bias[j0 + s];
                        crow[s] = accumulate ? crow[s] + v : v;
                    }
                }
            }
        }
    }

    /// <summary>C (M,N) = A (K,M)ᵀ · B (K,N) [+ C]. A's rows are already k-major panels: no packing except edges.</summary>
    public static void MatMulTransA(float* a, float* b, float* c, int m, int n, int k, bool accumulate)
    {
        if (k == 0) { ClearUnlessAccumulating(c, m, n, accumulate); return; }
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            TileColumnPanels(kc, a + (long)pc * m, packedA: false, b + (long)pc * n, c, m, n, accumulate || pc > 0);
        }
    }

    /// <summary>C (M,N) = A (M,K) · B (K,N) [+ C]. A is packed once per k-block into k-major (kc, MR) panels.</summary>
    public static void MatMul(float* a, float* b, float* c, int m, int n, int k, bool accumulate)
    {
        if (k == 0) { ClearUnlessAccumulating(c, m, n, accumulate); return; }
        int mr = TKernel.MR;
        int panels = (m + mr - 1) / mr;
        float* packed = GemmWorkspace.PackedA(panels * mr * Math.Min(KC, k));
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            for (int p = 0; p < panels; p++)
                PackRows(a + (long)p * mr * k + pc, k, kc, Math.Min(mr, m - p * mr), packed + (long)p * mr * kc);
            TileColumnPanels(kc, packed, packedA: true, b + (long)pc * n, c, m, n, accumulate || pc > 0);
        }
    }

    /// <summary>
    /// For each NR-wide column panel of the (kc, N) block of B (zero-padded at the right edge), runs the tile
    /// kernel down all MR-row panels of C. A is either packed (kc, MR) panels one after another, or, when not
    /// <paramref name="packedA"/>, the (kc, M) block of a row-major Aᵀ, whose ragged last panel is packed here.
    /// </summary>
    private static void TileColumnPanels(int kc, float* aBlock, bool packedA, float* bBlock, float* c, int m, int n, bool acc)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int ldb = n;
        float* tile = stackalloc float[mr * nr];
        float* edgeA = stackalloc float[KC * mr];
        for (int j0 = 0; j0 < n; j0 += nr)
        {
            int cols = Math.Min(nr, n - j0);
            float* bp = bBlock + j0;
            int bStride = ldb;
            if (cols < nr)
            {
                bp = GemmWorkspace.EdgeB(kc * nr);
                PackColumnsEdge(bBlock + j0, ldb, kc, cols, bp, nr);
                bStride = nr;
            }
            for (int i0 = 0; i0 < m; i0 += mr)
            {
                int rows = Math.Min(mr, m - i0);
                float* panel;
                int aStride;
                if (packedA)
                {
                    panel = aBlock + (long)i0 * kc;
                    aStride = mr;
                }
                else if (rows == mr)
                {
                    panel = aBlock + i0;
                    aStride = m;
                }
                else
                {
                    PackTransposedEdge(aBlock + i0, m, kc, rows, edgeA);
                    panel = edgeA;
                    aStride = mr;
                }
                float* cTile = c + (long)i0 * n + j0;
                if (rows == mr && cols == nr)
                {
                    TKernel.OuterTile(kc, panel, aStride, bp, bStride, cTile, n, acc);
                    continue;
                }
                TKernel.OuterTile(kc, panel, aStride, bp, bStride, tile, nr, false);
                for (int r = 0; r < rows; r++)
                {
                    float* src = tile + r * nr, dst = cTile + (long)r * n;
                    for (int j = 0; j < cols; j++) dst[j] = acc ? dst[j] + src[j] : src[j];
                }
            }
        }
    }

    /// <summary>dst (kc, mr) = src rows 0..kc of a row-major matrix with stride lda, columns 0..rows, zero-padded to mr.</summary>
    private static void PackTransposedEdge(float* src, int lda, int kc, int rows, float* dst)
    {
        int mr = TKernel.MR;
        for (int kk = 0; kk < kc; kk++)
        {
            float* s = src + (long)kk * lda;
            float* d = dst + kk * mr;
            int r = 0;
            for (; r < rows; r++) d[r] = s[r];
            for (; r < mr; r++) d[r] = 0f;
        }
    }

    /// <summary>dst (kc, mr): dst[kk*mr + r] = A[r, kk] for the first <paramref name="rows"/> rows of A (stride lda), zero-padded.</summary>
    private static void PackRows(float* src, int lda, int kc, int rows, float* dst)
    {
        int mr = TKernel.MR;
        for (int r = 0; r < rows; r++)
        {
            float* s = src + (long)r * lda;
            float* d = dst + r;
            for (int kk = 0; kk < kc; kk++) d[kk * mr] = s[kk];
        }
        for (int r = rows; r < mr; r++)
            for (int kk = 0; kk < kc; kk++) dst[kk * mr + r] = 0f;
    }

    /// <summary>dst (kc, nr) = the first <paramref name="cols"/> columns of src (stride ldb), zero-padded to nr.</summary>
    private static void PackColumnsEdge(float* src, int ldb, int kc, int cols, float* dst, int nr)
    {
        for (int kk = 0; kk < kc; kk++)
        {
            float* s = src + (long)kk * ldb;
            float* d = dst + kk * nr;
            int j = 0;
            for (; j < cols; j++) d[j] = s[j];
            for (; j < nr; j++) d[j] = 0f;
        }
    }

    private static void ClearUnlessAccumulating(float* c, int m, int n, bool accumulate)
    {
        Debug.Assert(m >= 0 && n >= 0);
        if (!accumulate) new Span<float>(c, checked(m * n)).Clear();
    }
}
