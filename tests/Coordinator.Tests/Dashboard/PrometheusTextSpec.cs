// The Prometheus text format as a scraper reads it: one # HELP and one # TYPE per family, names and labels
// sanitised, units as suffixes, counters ending in _total, histograms as cumulative buckets ending at +Inf with
// _sum and _count, and the escapes of HELP text and label values.
using Dpt.Coordinator.Dashboard.Metrics;

namespace Dpt.Coordinator.Tests.Dashboard;

public sealed class PrometheusTextSpec
{
    private static IReadOnlyList<KeyValuePair<string, string>> Labels(params (string Key, string Value)[] labels) =>
        labels.Select(l => KeyValuePair.Create(l.Key, l.Value)).ToArray();

    private static string[] Lines(string text)
    {
        Assert.EndsWith("\n", text);
        return text.Split('\n')[..^1];
    }

    [Fact]
    public void A_counter_must_have_help_type_and_a_total_sample_per_label_set()
    {
        var family = new MetricFamily("dpt.training.samples", "{sample}", "Training samples", MetricKind.Counter,
            [new MetricSeries(Labels(("worker", "worker-1")), 640), new MetricSeries(Labels(("worker", "worker-2")), 384)]);

        Assert.Equal(
        [
            "# HELP dpt_training_samples_total Training samples",
            "# TYPE dpt_training_samples_total counter",
            "dpt_training_samples_total{worker=\"worker-1\"} 640",
            "dpt_training_samples_total{worker=\"worker-2\"} 384",
        ], Lines(PrometheusText.Write([family])));
    }

    [Fact]
    public void A_histogram_must_have_cumulative_buckets_ending_at_plus_Inf_with_the_count_then_sum_and_count()
    {
        // 1 value <= 0.001, 2 in (0.001, 0.01], none in (0.01, 0.1], 1 above.
        var histogram = new HistogramValue([0.001, 0.01, 0.1], [1, 2, 0, 1], Sum: 0.5205, Count: 4);
        var family = new MetricFamily("dpt.training.step.phase.duration", "s", "By phase", MetricKind.Histogram,
            [new MetricSeries(Labels(("phase", "compute")), 0, histogram)]);

        Assert.Equal(
        [
            "# HELP dpt_training_step_phase_duration_seconds By phase",
            "# TYPE dpt_training_step_phase_duration_seconds histogram",
            "dpt_training_step_phase_duration_seconds_bucket{phase=\"compute\",le=\"0.001\"} 1",
            "dpt_training_step_phase_duration_seconds_bucket{phase=\"compute\",le=\"0.01\"} 3",
            "dpt_training_step_phase_duration_seconds_bucket{phase=\"compute\",le=\"0.1\"} 3",
            "dpt_training_step_phase_duration_seconds_bucket{phase=\"compute\",le=\"+Inf\"} 4",
            "dpt_training_step_phase_duration_seconds_sum{phase=\"compute\"} 0.5205",
            "dpt_training_step_phase_duration_seconds_count{phase=\"compute\"} 4",
        ], Lines(PrometheusText.Write([family])));
    }

    [Fact]
    public void A_histogram_without_labels_must_give_le_as_its_only_label()
    {
        var family = new MetricFamily("latency", "ms", null, MetricKind.Histogram, [new MetricSeries([], 0, new HistogramValue([5], [2, 0], 3, 2))]);

        var lines = Lines(PrometheusText.Write([family]));

        Assert.Equal("# HELP latency_milliseconds latency", lines[0]); // no description: the instrument's name
        Assert.Equal(["latency_milliseconds_bucket{le=\"5\"} 2", "latency_milliseconds_bucket{le=\"+Inf\"} 2", "latency_milliseconds_sum 3",
            "latency_milliseconds_count 2"], lines[2..]);
    }

    [Theory]
    [InlineData("dpt.training.steps", "{step}", "Counter", "dpt_training_steps_total")]
    [InlineData("requests_total", null, "Counter", "requests_total")]
    [InlineData("dpt.training.step.duration", "s", "Histogram", "dpt_training_step_duration_seconds")]
    [InlineData("wait_seconds", "s", "Gauge", "wait_seconds")]
    [InlineData("dpt.training.accuracy", "1", "Gauge", "dpt_training_accuracy_ratio")]
    [InlineData("hits", "1", "Counter", "hits_total")]
    [InlineData("net.io", "By/s", "Gauge", "net_io_bytes_per_second")]
    [InlineData("queue-length (items)", "{item}", "Gauge", "queue_length_items_")]
    [InlineData("2xx.responses", null, "Counter", "_2xx_responses_total")]
    [InlineData("a..b--c", "widgets", "Gauge", "a_b_c_widgets")]
    [InlineData("ns:metric", null, "Gauge", "ns:metric")]
    public void Names_must_be_sanitised_and_carry_their_unit_and_kind(string instrument, string? unit, string kind, string expected)
    {
        Assert.Equal(expected, PrometheusText.MetricName(instrument, unit, Enum.Parse<MetricKind>(kind)));
    }

    [Fact]
    public void Label_names_must_be_sanitised_and_label_values_and_help_escaped()
    {
        var family = new MetricFamily("g", null, "line one\nback\\slash \"quoted\"", MetricKind.Gauge,
            [new MetricSeries(Labels(("node.address", "a \"b\"\nc\\d"), ("1st", "x")), 1.5)]);

        var lines = Lines(PrometheusText.Write([family]));

        Assert.Equal("# HELP g line one\\nback\\\\slash \"quoted\"", lines[0]); // HELP escapes backslash and line feed only
        Assert.Equal("g{_1st=\"x\",node_address=\"a \\\"b\\\"\\nc\\\\d\"} 1.5", lines[2]);
    }

    [Fact]
    public void Special_values_must_be_written_as_Prometheus_spells_them()
    {
        var family = new MetricFamily("v", null, null, MetricKind.Gauge,
        [
            new MetricSeries(Labels(("k", "nan")), double.NaN), new MetricSeries(Labels(("k", "inf")), double.PositiveInfinity),
            new MetricSeries(Labels(("k", "-inf")), double.NegativeInfinity), new MetricSeries(Labels(("k", "tiny")), 1e-7),
            new MetricSeries(Labels(("k", "exact")), 0.1),
        ]);

        Assert.Equal(["v{k=\"nan\"} NaN", "v{k=\"inf\"} +Inf", "v{k=\"-inf\"} -Inf", "v{k=\"tiny\"} 1E-07", "v{k=\"exact\"} 0.1"],
            Lines(PrometheusText.Write([family]))[2..]);
    }

    [Fact]
    public void A_second_instrument_with_the_same_Prometheus_name_must_be_left_out_with_a_comment()
    {
        var first = new MetricFamily("a.b", null, "first", MetricKind.Gauge, [new MetricSeries([], 1)]);
        var second = new MetricFamily("a_b", null, "second", MetricKind.Gauge, [new MetricSeries([], 2)]);

        var lines = Lines(PrometheusText.Write([first, second]));

        Assert.Equal(["# HELP a_b first", "# TYPE a_b gauge", "a_b 1", "# skipped instrument a_b: its name a_b is taken"], lines);
    }

    [Fact]
    public void Bucket_counts_that_do_not_fit_the_bounds_must_be_refused()
    {
        var family = new MetricFamily("h", null, null, MetricKind.Histogram, [new MetricSeries([], 0, new HistogramValue([1, 2], [1, 1], 2, 2))]);

        Assert.Throws<ArgumentException>(() => PrometheusText.Write([family]));
    }
}
