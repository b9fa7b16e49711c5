// Aggregates the measurements of one Meter's instruments for a scrape, over a MeterListener: counters and
// up-down counters sum what they are given, gauges keep the last value, histograms count into buckets (the
// instrument's advised bounds, else OpenTelemetry's defaults), and observable instruments are read at
// each Collect. It listens to one Meter instance only, so that two runs in one process never mix.
using System.Diagnostics.Metrics;
using System.Globalization;

namespace Dpt.Coordinator.Dashboard.Metrics;

internal sealed class MeterCollector : IDisposable
{
    /// <summary>OpenTelemetry's default explicit bucket bounds, for a histogram that advises none.</summary>
    public static readonly IReadOnlyList<double> DefaultBounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly object _gate = new();
    private readonly Meter _meter;
    private readonly MeterListener _listener = new();
    private readonly List<Aggregate> _aggregates = new(); // in order of publication, which the exposition keeps

    public MeterCollector(Meter meter)
    {
        _meter = meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!ReferenceEquals(instrument.Meter, _meter)) return;
            var aggregate = new Aggregate(instrument);
            lock (_gate) _aggregates.Add(aggregate);
            listener.EnableMeasurementEvents(instrument, aggregate);
        };
        _listener.SetMeasurementEventCallback<byte>((i, v, tags, state) => Record(state, v, tags));
        _listener.SetMeasurementEventCallback<short>((i, v, tags, state) => Record(state, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, state) => Record(state, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, state) => Record(state, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, state) => Record(state, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, state) => Record(state, v, tags));
        _listener.SetMeasurementEventCallback<decimal>((i, v, tags, state) => Record(state, (double)v, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments, then returns every instrument's families as they stand.</summary>
    public IReadOnlyList<MetricFamily> Collect()
    {
        lock (_gate)
        {
            // An observable reports its whole state at each read: a tag set it no longer reports is gone.
            foreach (var a in _aggregates.Where(a => a.Instrument.IsObservable)) a.Series.Clear();
            _listener.RecordObservableInstruments(); // calls back into Record on this thread, under this (reentrant) lock
            return _aggregates.Select(a => a.Family()).ToList();
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(object? state, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (state is not Aggregate aggregate) return;
        var labels = Labels(aggregate.Instrument, tags);
        lock (_gate) aggregate.Add(labels, value);
    }

    /// <summary>The measurement's tags and the instrument's own, as text, sorted by key.</summary>
    private static KeyValuePair<string, string>[] Labels(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new List<KeyValuePair<string, string>>(tags.Length);
        foreach (var t in tags) labels.Add(new(t.Key, Text(t.Value)));
        if (instrument.Tags is { } fixedTags)
            foreach (var t in fixedTags)
                if (!labels.Any(l => l.Key == t.Key)) labels.Add(new(t.Key, Text(t.Value)));
        labels.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return labels.ToArray();
    }

    private static string Text(object? value) => value switch
    {
        null => "",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>One instrument's series by tag set.</summary>
    private sealed class Aggregate
    {
        public Aggregate(Instrument instrument)
        {
            Instrument = instrument;
            Kind = instrument switch
            {
                _ when IsGeneric(instrument, typeof(Histogram<>)) => MetricKind.Histogram,
                _ when IsGeneric(instrument, typeof(Counter<>)) || IsGeneric(instrument, typeof(ObservableCounter<>)) => MetricKind.Counter,
                _ => MetricKind.Gauge,
            };
            // Sums for the synchronous counters; the last value for gauges and for every observable, which reports its total.
            Adds = !instrument.IsObservable && (Kind == MetricKind.Counter || IsGeneric(instrument, typeof(UpDownCounter<>)));
            Bounds = Kind == MetricKind.Histogram ? AdvisedBounds(instrument) ?? DefaultBounds : [];
        }

        public Instrument Instrument { get; }

        public MetricKind Kind { get; }

        public bool Adds { get; }

        public IReadOnlyList<double> Bounds { get; }

        /// <summary>By the labels' text: the labels, and a value or a histogram's state.</summary>
        public Dictionary<string, Series> Series { get; } = new(StringComparer.Ordinal);

        public void Add(KeyValuePair<string, string>[] labels, double value)
        {
            string key = string.Join("\u0001", labels.Select(l => l.Key + "\u0002" + l.Value));
            if (!Series.TryGetValue(key, out var series)) Series[key] = series = new Series(labels, Bounds.Count + 1);
            if (Kind == MetricKind.Histogram)
            {
                int bucket = 0;
                while (bucket < Bounds.Count && value > Bounds[bucket]) bucket++; // buckets are (lower, upper]
                series.Buckets[bucket]++;
                series.Count++;
                series.Value += value;
            }
            else if (Adds) series.Value += value;
            else series.Value = value;
        }

        public MetricFamily Family() => new(Instrument.Name, Instrument.Unit, Instrument.Description, Kind,
            Series.Values.Select(s => new MetricSeries(s.Labels, s.Value,
                Kind == MetricKind.Histogram ? new HistogramValue(Bounds, s.Buckets.ToArray(), s.Value, s.Count) : null)).ToList());

        private static bool IsGeneric(Instrument instrument, Type definition)
        {
            for (var t = instrument.GetType(); t is not null; t = t.BaseType)
                if (t.IsGenericType && t.GetGenericTypeDefinition() == definition) return true;
            return false;
        }

        private static IReadOnlyList<double>? AdvisedBounds(Instrument instrument) => instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<short> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<byte> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<decimal> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };
    }

    /// <summary>A series' state: the sum or last value (for a histogram, the sum), and a histogram's bucket counts.</summary>
    private sealed class Series(KeyValuePair<string, string>[] labels, int buckets)
    {
        public KeyValuePair<string, string>[] Labels { get; } = labels;

        public double Value { get; set; }

        public long Count { get; set; }

        public long[] Buckets { get; } = new long[buckets];
    }
}
