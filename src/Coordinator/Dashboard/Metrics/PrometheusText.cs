// The Prometheus text exposition format (version 0.0.4), written from metric families: a # HELP and a # TYPE
// line per family, then its samples. Instrument names and units become Prometheus names the way OpenTelemetry's
// Prometheus exporters do it ("dpt.training.step.duration" in "s" is dpt_training_step_duration_seconds; a counter
// ends in _total). Written here, not taken from a package: OpenTelemetry's Prometheus exporter is only a
// pre-release (on top of its SDK), prometheus-net brings a metric registry of its own, and the format is small.
using System.Globalization;
using System.Text;

namespace Dpt.Coordinator.Dashboard.Metrics;

internal static class PrometheusText
{
    /// <summary>The Content-Type of a scrape's response.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The exposition of <paramref name="families"/>; families whose Prometheus names collide with an earlier
    /// one's are left out with a comment, since one name cannot have two types or two sets of HELP.</summary>
    public static string Write(IEnumerable<MetricFamily> families)
    {
        var text = new StringBuilder();
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var family in families)
        {
            string name = MetricName(family.Name, family.Unit, family.Kind);
            if (!written.Add(name))
            {
                text.Append("# skipped instrument ").Append(Escape(family.Name, quotes: false)).Append(": its name ").Append(name).Append(" is taken\n");
                continue;
            }
            text.Append("# HELP ").Append(name).Append(' ').Append(Escape(Help(family), quotes: false)).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(TypeName(family.Kind)).Append('\n');
            foreach (var series in family.Series)
            {
                var labels = Labels(series.Labels);
                if (family.Kind != MetricKind.Histogram)
                {
                    Sample(text, name, labels, null, Number(series.Value));
                    continue;
                }
                var h = (series.Histogram ?? throw new ArgumentException($"a series of histogram {family.Name} has no buckets")).Validated();
                long cumulative = 0;
                for (int i = 0; i < h.UpperBounds.Count; i++)
                {
                    cumulative += h.BucketCounts[i];
                    Sample(text, name + "_bucket", labels, Number(h.UpperBounds[i]), cumulative.ToString(CultureInfo.InvariantCulture));
                }
                Sample(text, name + "_bucket", labels, "+Inf", h.Count.ToString(CultureInfo.InvariantCulture));
                Sample(text, name + "_sum", labels, null, Number(h.Sum));
                Sample(text, name + "_count", labels, null, h.Count.ToString(CultureInfo.InvariantCulture));
            }
        }
        return text.ToString();
    }

    /// <summary>The Prometheus name of an instrument: sanitised, with its unit as a suffix, and _total for a counter.</summary>
    public static string MetricName(string instrument, string? unit, MetricKind kind)
    {
        string name = Sanitize(instrument, allowColon: true);
        string suffix = UnitSuffix(unit, kind);
        if (kind == MetricKind.Counter && name.EndsWith("_total", StringComparison.Ordinal)) name = name[..^"_total".Length];
        if (suffix.Length > 0 && !name.EndsWith("_" + suffix, StringComparison.Ordinal) && name != suffix) name += "_" + suffix;
        if (kind == MetricKind.Counter) name += "_total";
        return name;
    }

    /// <summary>A label name: letters, digits and underscores, not starting with a digit.</summary>
    public static string LabelName(string key) => Sanitize(key, allowColon: false);

    /// <summary>
    /// The unit as a name suffix, after UCUM's case-sensitive codes as OpenTelemetry writes them: "s" is seconds,
    /// "By" bytes, "By/s" bytes_per_second, "1" ratio (gauges only); annotations in braces ("{step}") say what is
    /// counted and add nothing. An unknown unit is kept, sanitised.
    /// </summary>
    public static string UnitSuffix(string? unit, MetricKind kind)
    {
        if (string.IsNullOrWhiteSpace(unit)) return "";
        var plain = new StringBuilder();
        int depth = 0;
        foreach (char c in unit)
        {
            if (c == '{') depth++;
            else if (c == '}') depth = Math.Max(0, depth - 1);
            else if (depth == 0) plain.Append(c);
        }
        string u = plain.ToString().Trim();
        if (u.Length == 0) return "";
        if (u == "1") return kind == MetricKind.Gauge ? "ratio" : "";
        int slash = u.IndexOf('/');
        string result = slash < 0
            ? Units.GetValueOrDefault(u, u)
            : $"{Units.GetValueOrDefault(u[..slash], u[..slash])}_per_{PerUnits.GetValueOrDefault(u[(slash + 1)..], u[(slash + 1)..])}";
        return Sanitize(result, allowColon: false).Trim('_');
    }

    private static readonly Dictionary<string, string> Units = new(StringComparer.Ordinal)
    {
        ["d"] = "days", ["h"] = "hours", ["min"] = "minutes", ["s"] = "seconds", ["ms"] = "milliseconds", ["us"] = "microseconds", ["ns"] = "nanoseconds",
        ["By"] = "bytes", ["KiBy"] = "kibibytes", ["MiBy"] = "mebibytes", ["GiBy"] = "gibibytes", ["KBy"] = "kilobytes", ["MBy"] = "megabytes",
        ["GBy"] = "gigabytes", ["m"] = "meters", ["V"] = "volts", ["A"] = "amperes", ["J"] = "joules", ["W"] = "watts", ["g"] = "grams",
        ["Cel"] = "celsius", ["Hz"] = "hertz", ["%"] = "percent",
    };

    private static readonly Dictionary<string, string> PerUnits = new(StringComparer.Ordinal)
    {
        ["s"] = "second", ["m"] = "minute", ["min"] = "minute", ["h"] = "hour", ["d"] = "day", ["w"] = "week", ["mo"] = "month", ["y"] = "year",
    };

    /// <summary>Every character outside [a-zA-Z0-9_] (and ':' in metric names) becomes '_', runs of '_' become one,
    /// and a leading digit gets a '_' in front.</summary>
    private static string Sanitize(string text, bool allowColon)
    {
        var s = new StringBuilder(text.Length + 1);
        foreach (char c in text)
        {
            bool ok = c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' || (allowColon && c == ':');
            char next = ok ? c : '_';
            if (next == '_' && s.Length > 0 && s[^1] == '_') continue;
            s.Append(next);
        }
        if (s.Length == 0) return "_";
        if (char.IsAsciiDigit(s[0])) s.Insert(0, '_');
        return s.ToString();
    }

    private static string Help(MetricFamily family) => string.IsNullOrWhiteSpace(family.Description) ? family.Name : family.Description;

    private static string TypeName(MetricKind kind) => kind switch
    {
        MetricKind.Counter => "counter",
        MetricKind.Gauge => "gauge",
        _ => "histogram",
    };

    /// <summary>The labels as name="value" pairs sorted by name; tags that sanitise to one name are joined with ';'.</summary>
    private static List<(string Name, string Value)> Labels(IReadOnlyList<KeyValuePair<string, string>> tags) =>
        tags.GroupBy(t => LabelName(t.Key), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, string.Join(";", g.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Value))))
            .ToList();

    private static void Sample(StringBuilder text, string name, List<(string Name, string Value)> labels, string? le, string value)
    {
        text.Append(name);
        if (labels.Count > 0 || le is not null)
        {
            text.Append('{');
            bool first = true;
            foreach (var (label, v) in labels)
            {
                if (le is not null && label == "le") continue; // the bucket's own label wins
                if (!first) text.Append(',');
                text.Append(label).Append("=\"").Append(Escape(v, quotes: true)).Append('"');
                first = false;
            }
            if (le is not null) text.Append(first ? "" : ",").Append("le=\"").Append(le).Append('"');
            text.Append('}');
        }
        text.Append(' ').Append(value).Append('\n');
    }

    /// <summary>A sample value or bucket bound: shortest round-trip form, NaN, +Inf or -Inf.</summary>
    public static string Number(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Backslash and line feed escaped (HELP text); in label values double quotes too.</summary>
    private static string Escape(string text, bool quotes)
    {
        var s = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c == '\\') s.Append(@"\\");
            else if (c == '\n') s.Append(@"\n");
            else if (c == '"' && quotes) s.Append("\\\"");
            else s.Append(c);
        }
        return s.ToString();
    }
}
