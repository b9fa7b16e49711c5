// The order in which an epoch visits the training examples. It is a pure function of (seed, epoch),
// so the coordinator and every remote worker compute the same order without sending it.
using Dpt.Numerics;

namespace Dpt.Data;

/// <summary>Seeded per-epoch shuffles: epoch e of seed s is <c>Rng.Permutation(count, s, stream: e)</c>.</summary>
public static class EpochOrder
{
    /// <summary>A new array holding the permutation of 0..count−1 for <paramref name="epoch"/> (0-based).</summary>
    public static int[] Permutation(int count, ulong seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return Rng.Permutation(count, seed, (ulong)epoch);
    }

    /// <summary>
    /// Fills <paramref name="order"/> with the permutation of 0..order.Length−1 for <paramref name="epoch"/>,
    /// the same as <see cref="Permutation"/> returns, reusing the caller's buffer across epochs.
    /// </summary>
    public static void Fill(Span<int> order, ulong seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        for (int i = 0; i < order.Length; i++) order[i] = i;
        new Rng(seed, (ulong)epoch).Shuffle(order);
    }
}
