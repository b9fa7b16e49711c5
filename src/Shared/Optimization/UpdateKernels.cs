// The element-wise optimizer kernels: each update reads and writes every buffer once (fused), with
// 512/256/128-bit vector paths and a scalar tail, plus a double-accumulating sum of squares.
// Arguments are checked by the public callers (Optimizer, GradientClipping); here only Debug.Assert.
//
// The updates use plain multiply and add, never FMA, so every vector lane rounds exactly like the
// scalar tail: an element's result depends neither on where its range starts nor on the machine's
// vector width, and K shards updating K sub-ranges produce the same bits as one whole-buffer update.
// Each update's formula is spelled out once per width because .NET 10 keeps ISimdVector internal;
// the loop structure is shared (Run) so only the formula repeats.
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dpt.Optimization;

internal static class UpdateKernels
{
    /// <summary>SGD: effectively w[i] -= lr · (s·g[i] + wd·w[i]), where g[i] = g1[i] (+ g2[i] when g2 is not empty).</summary>
    public static void Sgd(Span<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> g2, float s, float lr, float wd)
    {
        Debug.Assert(g.Length == w.Length && (g2.IsEmpty || g2.Length == w.Length));
        // One kernel for every case (no TensorPrimitives shortcut without decay): its rounding must not
        // depend on whether the gradient arrived as one span or two, or sharded results would differ.
        var op = new SgdOp(w, g, g2, s, lr, wd);
        Run(ref op, w.Length);
    }

    /// <summary>Heavy-ball momentum (dampening 0), effectively d = s·g[i] + wd·w[i]; v[i] = μ·v[i] + d;
    /// then w[i] -= lr·v[i], or with <paramref name="nesterov"/> w[i] -= lr·(d + μ·v[i]).</summary>
    public static void Momentum(Span<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> g2, Span<float> v, float s, float lr, float wd, float mu, bool nesterov)
    {
        Debug.Assert(g.Length == w.Length && v.Length == w.Length && (g2.IsEmpty || g2.Length == w.Length));
        var op = new MomentumOp(w, g, g2, v, s, lr, wd, mu, nesterov);
        Run(ref op, w.Length);
    }

    /// <summary>AdamW, effectively with ĝ = s·g[i]: w[i] *= decay; m[i] = β1·m[i] + (1−β1)·ĝ;
    /// v[i] = β2·v[i] + (1−β2)·ĝ²; w[i] -= stepSize · m[i] / (√v[i] / √bc2 + ε), where the caller passes
    /// decay = 1 − lr·wd, stepSize = lr / (1 − β1^t) and sqrtBc2 = √(1 − β2^t).</summary>
    public static void AdamW(Span<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> g2, Span<float> m, Span<float> v,
        float s, float decay, float beta1, float beta2, float epsilon, float stepSize, float sqrtBc2)
    {
        Debug.Assert(g.Length == w.Length && m.Length == w.Length && v.Length == w.Length && (g2.IsEmpty || g2.Length == w.Length));
        var op = new AdamOp(w, g, g2, m, v, s, decay, beta1, beta2, epsilon, stepSize, sqrtBc2);
        Run(ref op, w.Length);
    }

    /// <summary>Effectively Σ x[i]², accumulated in double.</summary>
    /// <remarks>TensorPrimitives.SumOfSquares accumulates in float, which over millions of gradients
    /// drops the small squares once the partial sums grow; here every square is exact in double
    /// (24-bit mantissa squared fits in 53 bits) and only the additions round.</remarks>
    public static double SumOfSquares(ReadOnlySpan<float> x)
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        double sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<float>.Count)
        {
            var acc = Vector512<double>.Zero;
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
            {
                var (lower, upper) = Vector512.Widen(Vector512.LoadUnsafe(ref r, i));
                acc += lower * lower + upper * upper;
            }
            sum += Vector512.Sum(acc);
        }
        if (Vector256.IsHardwareAccelerated && n - i >= (nuint)Vector256<float>.Count)
        {
            var acc = Vector256<double>.Zero;
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref r, i));
                acc += lower * lower + upper * upper;
            }
            sum += Vector256.Sum(acc);
        }
        if (Vector128.IsHardwareAccelerated && n - i >= (nuint)Vector128<float>.Count)
        {
            var acc = Vector128<double>.Zero;
            for (; i + (nuint)Vector128<float>.Count <= n; i += (nuint)Vector128<float>.Count)
            {
                var (lower, upper) = Vector128.Widen(Vector128.LoadUnsafe(ref r, i));
                acc += lower * lower + upper * upper;
            }
            sum += Vector128.Sum(acc);
        }
        for (; i < n; i++)
        {
            double xi = Unsafe.Add(ref r, i);
            sum += xi * xi;
        }
        return sum;
    }

    // The gradient at i: one worker's, or the sum of two added here in the same pass (the parameter server's
    // common case), rounding exactly like a separate g1 + g2 pass before the update.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load512(ReadOnlySpan<float> g, ReadOnlySpan<float> g2, nuint i) =>
        g2.IsEmpty ? Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(g), i)
                   : Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(g), i) + Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(g2), i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load256(ReadOnlySpan<float> g, ReadOnlySpan<float> g2, nuint i) =>
        g2.IsEmpty ? Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(g), i)
                   : Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(g), i) + Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(g2), i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Load128(ReadOnlySpan<float> g, ReadOnlySpan<float> g2, nuint i) =>
        g2.IsEmpty ? Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(g), i)
                   : Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(g), i) + Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(g2), i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Load1(ReadOnlySpan<float> g, ReadOnlySpan<float> g2, nuint i) =>
        g2.IsEmpty ? g[(int)i] : g[(int)i] + g2[(int)i];

    // Flush to zero: state and weights that decay geometrically (the momentum of a parameter whose gradient
    // stays 0, a weight under decay) would otherwise pass through the subnormal range, where each x86
    // operation takes a microcode assist: measured here, a momentum update ran 10x slower with one
    // subnormal gradient in 16. .NET cannot set the MXCSR flush-to-zero bit, so the kernels do it.
    private const float SmallestNormal = 1.17549435E-38f; // 2^-126

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Flush(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(x), Vector512.Create(SmallestNormal)), Vector512<float>.Zero, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Flush(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(x), Vector256.Create(SmallestNormal)), Vector256<float>.Zero, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Flush(Vector128<float> x) =>
        Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(x), Vector128.Create(SmallestNormal)), Vector128<float>.Zero, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Flush(float x) => MathF.Abs(x) < SmallestNormal ? 0f : x;

    /// <summary>One element-wise update at index i, in each vector width and as a scalar.</summary>
    private interface IElementwiseUpdate
    {
        void Update512(nuint i);
        void Update256(nuint i);
        void Update128(nuint i);
        void Update1(nuint i);
    }

    /// <summary>Applies <paramref name="op"/> to indices [0, length): the widest accelerated width first,
    /// then at most one step of each narrower width, then the scalar tail (fewer than 4 elements).</summary>
    /// <remarks>TensorPrimitives' trick of finishing with an overlapping last vector does not apply:
    /// these updates are in place and not idempotent, so no element may be updated twice.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Run<TOp>(ref TOp op, int length) where TOp : IElementwiseUpdate, allows ref struct
    {
        nuint n = (nuint)length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count) op.Update512(i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count) op.Update256(i);
        if (Vector128.IsHardwareAccelerated)
            for (; i + (nuint)Vector128<float>.Count <= n; i += (nuint)Vector128<float>.Count) op.Update128(i);
        for (; i < n; i++) op.Update1(i);
    }

    private readonly ref struct SgdOp : IElementwiseUpdate
    {
        private readonly Span<float> _w;
        private readonly ReadOnlySpan<float> _g, _g2;
        private readonly float _s, _lr, _wd;

        public SgdOp(Span<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> g2, float s, float lr, float wd)
        {
            _w = w;
            _g = g;
            _g2 = g2;
            (_s, _lr, _wd) = (s, lr, wd);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Update512(nuint i)
        {
            ref float w = ref MemoryMarshal.GetReference(_w);
            var wi = Vector512.LoadUnsafe(ref w, i);
            var d = Load512(_g, _g2, i) * _s + wi * _wd;
            Flush(wi - d * _lr).StoreUnsafe(ref w, i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Update256(nuint i)
        {
            ref float w = ref MemoryMarshal.GetReference(_w);
            var wi = Vector256.LoadUnsafe(ref w, i);
            var d = Load256(_g, _g2, i) * _s + wi * _wd;
            Flush(wi - d * _lr).StoreUnsafe(ref w, i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Update128(nuint i)
        {
            ref float w = ref MemoryMarshal.GetReference(_w);
            var wi = Vector128.LoadUnsafe(ref w, i);
            var d = Load128(_g, _g2, i) * _s + wi * _wd;
            Flush(wi - d * _lr).StoreUnsafe(ref w, i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Update1(nuint i)
        {
            float wi = _w[(int)i];
            float d = Load1(_g, _g2, i) * _s + wi * _wd;
            _w[(int)i] = Flush(wi - d * _lr);
        }
    }

    private readonly ref struct MomentumOp : IElementwiseUpdate
    {
        private readonly Span<float> _w, _v;
        private readonly ReadOnlySpan<float> _g, _g2;
        private readonly float _s, _lr, _wd, _mu;
        // A loop-invariant, perfectly predicted branch per vector; cheaper to read than a second op.
        private readonly bool _nesterov;

        public MomentumOp(Span<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> g2, Span<float> v, float s, float lr, float wd, float mu, bool nesterov)
        {
            _w = w;
            _g = g;
            _g2 = g2;
            _v = v;
            (_s, _lr, _wd, _mu, _nesterov) = (s, lr, wd, mu, nesterov);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Update512(nuint i)
        {
            ref float w = ref MemoryMarshal.GetReference(_w);
            ref float v = ref MemoryMarshal.GetReference(_v);
            var wi = Vector512.LoadUnsafe(ref w, i);
            var d = Load512(_g, _g2, i) * _s + wi * _wd;
            var vi = Vector512.LoadUnsafe(ref v, i) * _mu + d;
            vi = Flush(vi);
            vi.StoreUnsafe(ref v, i);
            Flush(wi - (_nesterov ? d + vi * _mu : vi) * _lr).StoreUnsafe(ref w, i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Update256(nuint i)
        {
            ref float w = ref MemoryMarshal.GetReference(_w);
            ref float v = ref MemoryMarshal.GetReference(_v);
            var wi = Vector256.LoadUnsafe(ref w, i);
            var d = Load256(_g, _g2, i) * _s + wi * _wd;
            var vi = Vector256.LoadUnsafe(ref v, i) * _mu + d;
            vi = Flush(vi);
            vi.StoreUnsafe(ref v, i);
            Flush(wi - (_nesterov ? d + vi * _mu : vi) * _lr).StoreUnsafe(ref w, i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Update128(nuint i)
        {
            ref float w = ref MemoryMarshal.GetReference(_w);
            ref float v = ref MemoryMarshal.GetReference(_v);
            var wi = Vector128.LoadUnsafe(ref w, i);
            var d = Load128(_g, _g2, i) * _s + wi * _wd;
            var vi = Vector128.LoadUnsafe(ref v, i) * _mu + d;
            vi = Flush(vi);
            vi.StoreUnsafe(ref v, i);
            Flush(wi - (_nesterov ? d + vi * _mu : vi) * _lr).StoreUnsafe(ref w, i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Update1(nuint i)
        {
            float wi = _w[(int)i];
            float d = Load1(_g, _g2, i) * _s + wi * _wd;
            float vi = Flush(_v[(int)i] * _mu + d);
            _v[(int)i] = vi;
            _w[(int)i] = Flush(wi - (_nesterov ? d + vi * _mu : vi) * _lr);
        }
    }

    private readonly ref struct AdamOp : IElementwiseUpdate
    {
        private readonly Span<float> _w, _m, _v;
        private readonly ReadOnlySpan<float> _g, _g2;
        private readonly float _s, _decay, _beta1, _oneMinusBeta1, _beta2, _oneMinusBeta2, _epsilon, _stepSize, _sqrtBc2;

        public AdamOp(Span<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> g2, Span<float> m, Span<float> v,
            float s, float decay, float beta1, float beta2, float epsilon, float stepSize, float sqrtBc2)
        {
            _w = w;
            _g = g;
            _g2 = g2;
            _m = m;
            _v = v;
            (_s, _decay, _epsilon, _stepSize, _sqrtBc2) = (s, decay, epsilon, stepSize, sqrtBc2);
            (_beta1, _oneMinusBeta1, _beta2, _oneMinusBeta2) = (beta1, 1f - beta1, beta2, 1f - beta2);
        }

        // Operation order follows PyTorch's AdamW: decay w first, then the moments, then
        // w += −stepSize · (m / (√v / √bc2 + ε)).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Update512(nuint i)
        {
            ref float w = ref MemoryMarshal.GetReference(_w);
            ref float m = ref MemoryMarshal.GetReference(_m);
            ref float v = ref MemoryMarshal.GetReference(_v);
            var gi = Load512(_g, _g2, i) * _s;
            var mi = Vector512.LoadUnsafe(ref m, i) * _beta1 + gi * _oneMinusBeta1;
            var vi = Vector512.LoadUnsafe(ref v, i) * _beta2 + gi * gi * _oneMinusBeta2;
            mi = Flush(mi);
            vi = Flush(vi);
            mi.StoreUnsafe(ref m, i);
            vi.StoreUnsafe(ref v, i);
            var denominator = Vector512.Sqrt(vi) / _sqrtBc2 + Vector512.Create(_epsilon);
            Flush(Vector512.LoadUnsafe(ref w, i) * _decay - mi / denominator * _stepSize).StoreUnsafe(ref w, i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Update256(nuint i)
        {
            ref float w = ref MemoryMarshal.GetReference(_w);
            ref float m = ref MemoryMarshal.GetReference(_m);
            ref float v = ref MemoryMarshal.GetReference(_v);
            var gi = Load256(_g, _g2, i) * _s;
            var mi = Vector256.LoadUnsafe(ref m, i) * _beta1 + gi * _oneMinusBeta1;
            var vi = Vector256.LoadUnsafe(ref v, i) * _beta2 + gi * gi * _oneMinusBeta2;
            mi = Flush(mi);
            vi = Flush(vi);
            mi.StoreUnsafe(ref m, i);
            vi.StoreUnsafe(ref v, i);
            var denominator = Vector256.Sqrt(vi) / _sqrtBc2 + Vector256.Create(_epsilon);
            Flush(Vector256.LoadUnsafe(ref w, i) * _decay - mi / denominator * _stepSize).StoreUnsafe(ref w, i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Update128(nuint i)
        {
            ref float w = ref MemoryMarshal.GetReference(_w);
            ref float m = ref MemoryMarshal.GetReference(_m);
            ref float v = ref MemoryMarshal.GetReference(_v);
            var gi = Load128(_g, _g2, i) * _s;
            var mi = Vector128.LoadUnsafe(ref m, i) * _beta1 + gi * _oneMinusBeta1;
            var vi = Vector128.LoadUnsafe(ref v, i) * _beta2 + gi * gi * _oneMinusBeta2;
            mi = Flush(mi);
            vi = Flush(vi);
            mi.StoreUnsafe(ref m, i);
            vi.StoreUnsafe(ref v, i);
            var denominator = Vector128.Sqrt(vi) / _sqrtBc2 + Vector128.Create(_epsilon);
            Flush(Vector128.LoadUnsafe(ref w, i) * _decay - mi / denominator * _stepSize).StoreUnsafe(ref w, i);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Update1(nuint i)
        {
            float gi = Load1(_g, _g2, i) * _s;
            float mi = Flush(_m[(int)i] * _beta1 + gi * _oneMinusBeta1);
            float vi = Flush(_v[(int)i] * _beta2 + gi * gi * _oneMinusBeta2);
            _m[(int)i] = mi;
            _v[(int)i] = vi;
            float denominator = MathF.Sqrt(vi) / _sqrtBc2 + _epsilon;
            _w[(int)i] = Flush(_w[(int)i] * _decay - mi / denominator * _stepSize);
        }
    }
}
