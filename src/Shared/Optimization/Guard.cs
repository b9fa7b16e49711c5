// Argument checks for the optimisation code's public boundary: each throws one message naming
// the parameter, the value it got and the valid range. Hot loops use Debug.Assert instead.
using System.Numerics;

namespace Dpt.Optimization;

/// <remarks>Generic over the floating-point type so a float is reported as written (0.1, not 0.10000000149011612).</remarks>
internal static class Guard
{
    /// <summary>Requires a finite value &gt; 0 (learning rates, ε, maximum norms).</summary>
    public static void FinitePositive<T>(T value, string name) where T : IFloatingPointIeee754<T>
    {
        if (!(value > T.Zero && T.IsFinite(value)))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and > 0; got {value}");
    }

    /// <summary>Requires a finite value ≥ 0 (weight decay, gradient scale, decay rate k).</summary>
    public static void FiniteNonNegative<T>(T value, string name) where T : IFloatingPointIeee754<T>
    {
        if (!(value >= T.Zero && T.IsFinite(value)))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and >= 0; got {value}");
    }

    /// <summary>Requires a coefficient in [0, 1) (momentum μ, β1, β2).</summary>
    public static void UnitInterval<T>(T value, string name) where T : IFloatingPointIeee754<T>
    {
        if (!(value >= T.Zero && value < T.One))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1); got {value}");
    }

    /// <summary>Requires a decay factor γ in (0, 1].</summary>
    public static void DecayFactor<T>(T value, string name) where T : IFloatingPointIeee754<T>
    {
        if (!(value > T.Zero && value <= T.One))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in (0, 1]; got {value}");
    }

    /// <summary>Requires an integer ≥ <paramref name="minimum"/>.</summary>
    public static void AtLeast(long value, long minimum, string name)
    {
        if (value < minimum)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be >= {minimum}; got {value}");
    }

    /// <summary>Requires [offset, offset + count) to lie inside a buffer of <paramref name="length"/> floats.</summary>
    public static void Range(int offset, int count, int length)
    {
        if (offset < 0 || count < 0 || (long)offset + count > length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset,
                $"the range [offset, offset + count) = [{offset}, {(long)offset + count}) must lie inside [0, {length}) with count >= 0; got count {count}");
    }

    /// <summary>Requires two buffers that mirror one layout to have the same length.</summary>
    public static void SameLength(int length, int expected, string name, string expectedName)
    {
        if (length != expected)
            throw new ArgumentException(
                $"{name} has {length} floats but {expectedName} has {expected}; both mirror one parameter layout", name);
    }
}
