// What a batch is scored against: class labels (classification) or real-valued targets (regression,
// multi-label). A ref struct over spans of a gathered batch, so scoring allocates nothing.
namespace Dpt.Model;

/// <summary>Either class labels (B) or target values (B, O) for one batch.</summary>
public readonly ref struct BatchTargets
{
    private BatchTargets(ReadOnlySpan<int> labels, ReadOnlySpan<float> values)
    {
        Labels = labels;
        Values = values;
    }

    /// <summary>Class index per sample, in [0, O) (or 0/1 for a single sigmoid output); empty when <see cref="Values"/> is used.</summary>
    public ReadOnlySpan<int> Labels { get; }

    /// <summary>Target per sample and output, row-major (B, O); empty when <see cref="Labels"/> is used.</summary>
    public ReadOnlySpan<float> Values { get; }

    public bool HasLabels => !Labels.IsEmpty;

    public static BatchTargets FromLabels(ReadOnlySpan<int> labels) => new(labels, default);

    public static BatchTargets FromValues(ReadOnlySpan<float> values) => new(default, values);
}

/// <summary>Sums over a batch, so shards from several workers add up exactly before dividing by the count.</summary>
public readonly record struct BatchMetrics(double LossSum, int Correct, int Count)
{
    public static BatchMetrics operator +(BatchMetrics x, BatchMetrics y) =>
        new(x.LossSum + y.LossSum, x.Correct + y.Correct, x.Count + y.Count);

    public double MeanLoss => Count == 0 ? double.NaN : LossSum / Count;

    public double Accuracy => Count == 0 ? double.NaN : (double)Correct / Count;
}
