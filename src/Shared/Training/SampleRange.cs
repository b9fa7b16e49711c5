// Positions in an epoch's sample order. A step's batch and each worker's shard are such ranges:
// they name samples without carrying them, because every worker derives the order itself.
namespace Dpt.Training;

/// <summary>The half-open range [Start, Start + Count) of positions in an epoch's sample order.</summary>
public readonly record struct SampleRange
{
    public SampleRange(int start, int count)
    {
        if (start < 0) throw new ArgumentOutOfRangeException(nameof(start), start, "a sample range cannot start before position 0");
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "a sample range cannot have a negative count");
        Start = start;
        Count = count;
    }

    public int Start { get; }
    public int Count { get; }
    public int End => Start + Count;

    public bool Contains(SampleRange other) => other.Start >= Start && other.End <= End;

    public bool Overlaps(SampleRange other) => Start < other.End && other.Start < End && Count > 0 && other.Count > 0;

    public override string ToString() => $"[{Start},{End})";
}
