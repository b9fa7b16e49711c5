// Splits a step's global mini-batch into one contiguous shard per worker, sized in proportion to
// each worker's measured throughput, so that a faster worker gets more samples and all finish together.
namespace Dpt.Training;

public static class ShardPlanner
{
    /// <summary>
    /// Writes into <paramref name="counts"/> a non-negative share of <paramref name="globalBatch"/> per worker,
    /// proportional to <paramref name="weights"/> (largest-remainder rounding, ties to the lower index) and
    /// summing exactly to <paramref name="globalBatch"/>. Non-positive or non-finite weights count as the mean
    /// of the valid ones; with no valid weight the split is equal.
    /// </summary>
    public static void Split(int globalBatch, ReadOnlySpan<double> weights, Span<int> counts)
    {
        if (globalBatch < 0) throw new ArgumentOutOfRangeException(nameof(globalBatch), globalBatch, "must be non-negative");
        if (weights.IsEmpty) throw new ArgumentException("at least one worker is needed to plan shards", nameof(weights));
        if (counts.Length != weights.Length)
            throw new ArgumentException($"counts has {counts.Length} elements; expected one per worker ({weights.Length})", nameof(counts));

        int n = weights.Length;
        double validSum = 0;
        int valid = 0;
        foreach (double w in weights)
            if (double.IsFinite(w) && w > 0) { validSum += w; valid++; }
        double fallback = valid == 0 ? 1 : validSum / valid;
        double total = valid == 0 ? n : validSum + (n - valid) * fallback;

        int assigned = 0;
        Span<double> remainders = n <= 64 ? stackalloc double[n] : new double[n];
        for (int i = 0; i < n; i++)
        {
            double w = double.IsFinite(weights[i]) && weights[i] > 0 ? weights[i] : fallback;
            double exact = globalBatch * (w / total);
            counts[i] = (int)Math.Floor(exact);
            remainders[i] = exact - counts[i];
            assigned += counts[i];
        }
        // Hand the samples lost to rounding to the largest remainders; at most n of them.
        for (int left = globalBatch - assigned; left > 0; left--)
        {
            int best = 0;
            for (int i = 1; i < n; i++)
                if (remainders[i] > remainders[best]) best = i;
            counts[best]++;
            remainders[best] = -1;
        }
    }

    /// <summary>Allocating convenience form of <see cref="Split(int, ReadOnlySpan{double}, Span{int})"/>.</summary>
    public static int[] Split(int globalBatch, ReadOnlySpan<double> weights)
    {
        var counts = new int[weights.Length];
        Split(globalBatch, weights, counts);
        return counts;
    }
}
