// The collector over real System.Diagnostics.Metrics instruments, read back through the Prometheus writer:
// counters sum, up-down counters go both ways, gauges keep their last value, observables are read at each
// scrape (and a tag set they stop reporting disappears), histograms use the advised bounds, and another
// meter of the same name is not mixed in.
using System.Diagnostics.Metrics;
using Dpt.Coordinator.Dashboard.Metrics;

namespace Dpt.Coordinator.Tests.Dashboard;

public sealed class MeterCollectorSpec
{
    private static string[] Scrape(MeterCollector collector) => PrometheusText.Write(collector.Collect()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string[] Samples(MeterCollector collector, string name) =>
        Scrape(collector).Where(l => !l.StartsWith('#') && (l.StartsWith(name + " ") || l.StartsWith(name + "{"))).ToArray();

    [Fact]
    public void Counters_must_sum_by_tag_set_and_up_down_counters_go_both_ways()
    {
        using var meter = new Meter("test.collector");
        using var collector = new MeterCollector(meter);
        var samples = meter.CreateCounter<long>("samples", "{sample}");
        var queue = meter.CreateUpDownCounter<int>("queue", "{item}");

        samples.Add(64, new KeyValuePair<string, object?>("worker", "w1"));
        samples.Add(36, new KeyValuePair<string, object?>("worker", "w2"));
        samples.Add(64, new KeyValuePair<string, object?>("worker", "w1"));
        queue.Add(5);
        queue.Add(-2);

        Assert.Equal(["samples_total{worker=\"w1\"} 128", "samples_total{worker=\"w2\"} 36"], Samples(collector, "samples_total"));
        Assert.Equal(["queue 3"], Samples(collector, "queue"));
        Assert.Contains("# TYPE samples_total counter", Scrape(collector));
        Assert.Contains("# TYPE queue gauge", Scrape(collector));
    }

    [Fact]
    public void A_histogram_must_count_into_its_advised_buckets_upper_bounds_included()
    {
        using var meter = new Meter("test.collector");
        using var collector = new MeterCollector(meter);
        var duration = meter.CreateHistogram("step.duration", "s", "Step time",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.01] });

        foreach (double v in new[] { 0.0005, 0.001, 0.002, 0.5 }) duration.Record(v);

        var lines = Scrape(collector).Where(l => l.StartsWith("step_duration_seconds_")).ToArray();

        Assert.Equal(
        [
            "step_duration_seconds_bucket{le=\"0.001\"} 2", // 0.001 itself is in the bucket it bounds
            "step_duration_seconds_bucket{le=\"0.01\"} 3",
            "step_duration_seconds_bucket{le=\"+Inf\"} 4",
        ], lines[..3]);
        Assert.StartsWith("step_duration_seconds_sum ", lines[3]);
        Assert.Equal(0.5035, double.Parse(lines[3].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), 12);
        Assert.Equal("step_duration_seconds_count 4", lines[4]);
    }

    [Fact]
    public void A_histogram_without_advice_must_use_the_default_bounds()
    {
        using var meter = new Meter("test.collector");
        using var collector = new MeterCollector(meter);
        meter.CreateHistogram<int>("size").Record(7);

        var buckets = Scrape(collector).Where(l => l.StartsWith("size_bucket")).ToArray();

        Assert.Equal(MeterCollector.DefaultBounds.Count + 1, buckets.Length);
        Assert.Equal("size_bucket{le=\"5\"} 0", buckets[1]);
        Assert.Equal("size_bucket{le=\"10\"} 1", buckets[2]);
    }

    [Fact]
    public void Observable_instruments_must_be_read_at_each_scrape_and_forget_a_tag_set_no_longer_reported()
    {
        using var meter = new Meter("test.collector");
        using var collector = new MeterCollector(meter);
        var sets = new List<(string Set, double Loss)> { ("train", 0.5), ("test", 0.7) };
        meter.CreateObservableGauge("loss", () => sets.Select(s => new Measurement<double>(s.Loss, new KeyValuePair<string, object?>("set", s.Set))));
        long total = 10;
        meter.CreateObservableCounter("epochs.done", () => total);

        Assert.Equal(["loss{set=\"train\"} 0.5", "loss{set=\"test\"} 0.7"], Samples(collector, "loss"));
        Assert.Equal(["epochs_done_total 10"], Samples(collector, "epochs_done_total"));

        sets = [("train", 0.25)];
        total = 12;

        Assert.Equal(["loss{set=\"train\"} 0.25"], Samples(collector, "loss"));
        Assert.Equal(["epochs_done_total 12"], Samples(collector, "epochs_done_total")); // the observed total, not a sum of reads
    }

    [Fact]
    public void A_synchronous_gauge_must_keep_its_last_value()
    {
        using var meter = new Meter("test.collector");
        using var collector = new MeterCollector(meter);
        var gauge = meter.CreateGauge<double>("temperature", "Cel");

        gauge.Record(20.5);
        gauge.Record(19);

        Assert.Equal(["temperature_celsius 19"], Samples(collector, "temperature_celsius"));
    }

    [Fact]
    public void Another_meter_of_the_same_name_must_not_be_collected()
    {
        using var mine = new Meter("Dpt.Training");
        using var other = new Meter("Dpt.Training");
        using var collector = new MeterCollector(mine);
        mine.CreateCounter<long>("steps").Add(3);
        other.CreateCounter<long>("steps").Add(1000);
        other.CreateCounter<long>("elsewhere").Add(1);

        Assert.Equal(["steps_total 3"], Samples(collector, "steps_total"));
        Assert.Empty(Samples(collector, "elsewhere_total"));
    }

    [Fact]
    public void An_instrument_must_appear_with_help_and_type_before_any_measurement()
    {
        using var meter = new Meter("test.collector");
        using var collector = new MeterCollector(meter);
        meter.CreateCounter<long>("steps", "{step}", "Steps applied");

        Assert.Equal(["# HELP steps_total Steps applied", "# TYPE steps_total counter"], Scrape(collector));
    }
}
