// What a scrape of the dashboard's meter yields, independent of any exposition format: one family per
// instrument with its series (one per set of tags). PrometheusText writes these; MeterCollector makes them.
namespace Dpt.Coordinator.Dashboard.Metrics;

/// <summary>How a family's values behave, which decides its exposition type.</summary>
internal enum MetricKind
{
    /// <summary>A total that only grows (Counter, ObservableCounter).</summary>
    Counter,
    /// <summary>A value that goes up and down (Gauge, ObservableGauge, UpDownCounter, ObservableUpDownCounter).</summary>
    Gauge,
    /// <summary>A distribution: bucket counts, sum and count (Histogram).</summary>
    Histogram,
}

/// <summary>A histogram's state: <see cref="BucketCounts"/>[i] counts the values in (bound[i-1], bound[i]], and the last
/// entry the values above every bound, so it has one entry more than <see cref="UpperBounds"/>.</summary>
internal sealed record HistogramValue(IReadOnlyList<double> UpperBounds, IReadOnlyList<long> BucketCounts, double Sum, long Count)
{
    public HistogramValue Validated()
    {
        if (BucketCounts.Count != UpperBounds.Count + 1)
            throw new ArgumentException($"{BucketCounts.Count} bucket counts for {UpperBounds.Count} bounds; expected {UpperBounds.Count + 1}");
        for (int i = 1; i < UpperBounds.Count; i++)
            if (!(UpperBounds[i] > UpperBounds[i - 1])) throw new ArgumentException($"bucket bounds must increase: {UpperBounds[i - 1]} then {UpperBounds[i]}");
        return this;
    }
}

/// <summary>One series of a family: its labels and either a value or, for a histogram, its buckets.</summary>
internal sealed record MetricSeries(IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, HistogramValue? Histogram = null);

/// <summary>An instrument as recorded: <see cref="Name"/> and <see cref="Unit"/> are the instrument's own
/// (e.g. "dpt.training.step.duration", "s"); the exposition format turns them into its own names.</summary>
internal sealed record MetricFamily(string Name, string? Unit, string? Description, MetricKind Kind, IReadOnlyList<MetricSeries> Series);
