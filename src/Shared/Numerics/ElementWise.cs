// Element-wise kernels that TensorPrimitives has no single operation for (leaky ReLU and the
// activation derivatives). The operation is a struct, so the JIT specialises one loop per operation;
// the loop takes the widest hardware-accelerated vector and finishes with a scalar tail.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dpt.Numerics;

internal interface IUnaryOp
{
    float Invoke(float x);
    Vector512<float> Invoke(Vector512<float> x);
    Vector256<float> Invoke(Vector256<float> x);
    Vector128<float> Invoke(Vector128<float> x);
}

internal interface IBinaryOp
{
    float Invoke(float x, float y);
    Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);
    Vector128<float> Invoke(Vector128<float> x, Vector128<float> y);
}

/// <summary>x, or 0 where |x| &lt; threshold.</summary>
internal readonly struct FlushBelow(float threshold) : IUnaryOp
{
    public float Invoke(float x) => MathF.Abs(x) < threshold ? 0f : x;
    public Vector512<float> Invoke(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(x), Vector512.Create(threshold)), Vector512<float>.Zero, x);
    public Vector256<float> Invoke(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(x), Vector256.Create(threshold)), Vector256<float>.Zero, x);
    public Vector128<float> Invoke(Vector128<float> x) =>
        Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(x), Vector128.Create(threshold)), Vector128<float>.Zero, x);
}

internal static class ElementWise
{
    /// <summary>
    /// Probabilities below this (2^-64) are set to 0. A softmax or sigmoid of a very confident network
    /// underflows into subnormal floats, and every later product with one costs an x86 microcode assist
    /// (.NET cannot set flush-to-zero). Below 2^-64 such values change no gradient that matters.
    /// </summary>
    public const float NegligibleProbability = 5.421011E-20f;

    /// <summary>destination[i] = op(x[i]); destination may be x itself.</summary>
    public static void Apply<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> destination) where TOp : struct, IUnaryOp
    {
        if (destination.Length < x.Length)
            throw new ArgumentException($"destination has {destination.Length} elements; expected {x.Length}", nameof(destination));
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ds = ref MemoryMarshal.GetReference(destination);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                op.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ds, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                op.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ds, (nuint)i);
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                op.Invoke(Vector128.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ds, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref ds, i) = op.Invoke(Unsafe.Add(ref xs, i));
    }

    /// <summary>destination[i] = op(x[i], y[i]); destination may be x or y.</summary>
    public static void Apply<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) where TOp : struct, IBinaryOp
    {
        if (y.Length != x.Length)
            throw new ArgumentException($"y has {y.Length} elements; expected {x.Length}", nameof(y));
        if (destination.Length < x.Length)
            throw new ArgumentException($"destination has {destination.Length} elements; expected {x.Length}", nameof(destination));
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float ds = ref MemoryMarshal.GetReference(destination);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                op.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i), Vector512.LoadUnsafe(ref ys, (nuint)i)).StoreUnsafe(ref ds, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                op.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i), Vector256.LoadUnsafe(ref ys, (nuint)i)).StoreUnsafe(ref ds, (nuint)i);
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                op.Invoke(Vector128.LoadUnsafe(ref xs, (nuint)i), Vector128.LoadUnsafe(ref ys, (nuint)i)).StoreUnsafe(ref ds, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref ds, i) = op.Invoke(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i));
    }
}
