// Writes an experiment's report folder: results.csv (one row per run), results.json (everything, the
// format `dpt experiment simulate --calibrate` reads back) and report.html, a page that opens without a
// network: Chart.js and the data are inlined, the data as a JSON island (<script type="application/json">).
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Dpt.Coordinator.Experiments;

public static class ReportWriter
{
    public const string CsvFile = "results.csv", JsonFile = "results.json", HtmlFile = "report.html";

    /// <summary>The id of report.html's data island, which holds the same JSON as results.json.</summary>
    public const string DataIslandId = "dpt-data";

    public static readonly string[] CsvColumns =
    [
        "design", "workers", "global_batch", "samples_per_s", "step_ms", "compute_ms", "communication_ms", "straggler_ms", "optimizer_ms",
        "speedup", "efficiency", "time_to_target_s", "final_accuracy", "steps", "seconds",
    ];

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Writes the three files into <paramref name="directory"/> (created if missing); returns their paths.</summary>
    public static IReadOnlyList<string> Write(ExperimentReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var files = new[] { (CsvFile, Csv(report)), (JsonFile, Json(report)), (HtmlFile, Html(report)) };
        foreach (var (name, text) in files) File.WriteAllText(Path.Combine(directory, name), text, new UTF8Encoding(false));
        return files.Select(f => Path.Combine(directory, f.Item1)).ToList();
    }

    public static string Csv(ExperimentReport report)
    {
        var text = new StringBuilder().AppendJoin(',', CsvColumns).Append('\n');
        foreach (var r in report.Runs) text.AppendJoin(',', Cells(r).Select(CsvCell)).Append('\n');
        return text.ToString();
    }

    /// <summary>A run's values in the order of <see cref="CsvColumns"/>, as text; an empty string for none.</summary>
    private static string[] Cells(RunResult r) =>
    [
        r.Design, Num(r.Workers), Num(r.GlobalBatch), Num(Math.Round(r.SamplesPerSecond, 1)), Ms(r.Step.StepMs), Ms(r.Step.ComputeMs),
        Ms(r.Step.CommunicationMs), Ms(r.Step.StragglerMs), Ms(r.Step.OptimizerMs), Ratio(r.Speedup), Ratio(r.Efficiency),
        r.TimeToTargetSeconds is { } t ? Num(Math.Round(t, 3)) : "", r.FinalAccuracy is { } a ? Ratio(a) : "", Num(r.Steps), Num(Math.Round(r.Seconds, 3)),
    ];

    public static string Json(ExperimentReport report)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("kind", report.Kind);
            w.WriteString("title", report.Title);
            w.WriteString("scaling", report.Scaling.ToString().ToLowerInvariant());
            w.WriteStartObject("settings");
            foreach (var (name, value) in report.Settings) w.WriteString(name, value);
            w.WriteEndObject();
            w.WriteStartArray("notes");
            foreach (string note in report.Notes) w.WriteStringValue(note);
            w.WriteEndArray();
            w.WriteStartArray("calibration");
            foreach (var c in report.Calibration)
            {
                w.WriteStartObject();
                w.WriteNumber("workers", c.Workers);
                w.WriteNumber("global_batch", c.GlobalBatch);
                Number(w, "measured_step_ms", Math.Round(c.MeasuredStepMs, 4));
                Number(w, "predicted_step_ms", Math.Round(c.PredictedStepMs, 4));
                Number(w, "relative_error", Math.Round(c.RelativeError, 4));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("runs");
            foreach (var r in report.Runs)
            {
                w.WriteStartObject();
                w.WriteString("design", r.Design);
                w.WriteNumber("workers", r.Workers);
                w.WriteNumber("global_batch", r.GlobalBatch);
                Number(w, "samples_per_s", Math.Round(r.SamplesPerSecond, 1));
                Number(w, "step_ms", Math.Round(r.Step.StepMs, 4));
                Number(w, "compute_ms", Math.Round(r.Step.ComputeMs, 4));
                Number(w, "communication_ms", Math.Round(r.Step.CommunicationMs, 4));
                Number(w, "straggler_ms", Math.Round(r.Step.StragglerMs, 4));
                Number(w, "optimizer_ms", Math.Round(r.Step.OptimizerMs, 4));
                Number(w, "speedup", Math.Round(r.Speedup, 4));
                Number(w, "efficiency", Math.Round(r.Efficiency, 4));
                Number(w, "time_to_target_s", r.TimeToTargetSeconds is { } t ? Math.Round(t, 3) : null);
                Number(w, "final_accuracy", r.FinalAccuracy is { } a ? Math.Round(a, 4) : null);
                w.WriteNumber("steps", r.Steps);
                Number(w, "seconds", Math.Round(r.Seconds, 3));
                w.WriteStartArray("accuracy");
                foreach (var p in r.Accuracy)
                {
                    w.WriteStartObject();
                    Number(w, "seconds", Math.Round(p.Seconds, 3));
                    Number(w, "accuracy", Math.Round(p.Accuracy, 4));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Reads what <see cref="Json"/> wrote (speedup and efficiency are recomputed from the runs).</summary>
    /// <exception cref="InvalidDataException">The text is not such a report.</exception>
    public static ExperimentReport ReadJson(string json, string source)
    {
        try
        {
            var root = JsonDocument.Parse(json).RootElement;
            var runs = root.GetProperty("runs").EnumerateArray().Select(r => new RunResult(
                r.GetProperty("design").GetString()!, r.GetProperty("workers").GetInt32(), r.GetProperty("global_batch").GetInt32(),
                r.GetProperty("samples_per_s").GetDouble(),
                new StepSplit(r.GetProperty("compute_ms").GetDouble(), r.GetProperty("communication_ms").GetDouble(),
                    r.GetProperty("straggler_ms").GetDouble(), r.GetProperty("optimizer_ms").GetDouble()),
                r.GetProperty("steps").GetInt64(), r.GetProperty("seconds").GetDouble(),
                Nullable(r, "time_to_target_s"), Nullable(r, "final_accuracy"),
                r.GetProperty("accuracy").EnumerateArray().Select(p => new AccuracyPoint(p.GetProperty("seconds").GetDouble(), p.GetProperty("accuracy").GetDouble())).ToList()));
            var settings = root.GetProperty("settings").EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetString() ?? "")).ToList();
            return ExperimentReport.Create(root.GetProperty("kind").GetString()!, root.GetProperty("title").GetString()!,
                Enum.Parse<ScalingMode>(root.GetProperty("scaling").GetString()!, ignoreCase: true), settings, runs,
                root.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException or FormatException)
        {
            throw new InvalidDataException($"{source}: not a results.json of dpt experiment ({e.Message})");
        }
    }

    public static string Html(ExperimentReport report)
    {
        string title = report.Kind == "simulate" ? "dpt experiment simulate" : "dpt experiment scale";
        var html = new StringBuilder();
        html.Append($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>{{Encode(title)}}: {{Encode(report.Title)}}</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; color: #222; padding: 0 1em; }
            table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
            th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
            th { background: #f3f3f3; } td.text, th.text { text-align: left; }
            .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5em; }
            .chart { position: relative; height: 360px; }
            .wide { grid-column: 1 / span 2; }
            </style>
            </head>
            <body>
            <h1>{{Encode(title)}}</h1>
            <p>{{Encode(report.Title)}}</p>

            """);
        html.Append("<h2>Settings</h2>\n<table>\n");
        foreach (var (name, value) in report.Settings) html.Append($"<tr><th class=\"text\">{Encode(name)}</th><td class=\"text\">{Encode(value)}</td></tr>\n");
        html.Append("</table>\n");
        if (report.Notes.Count > 0)
        {
            html.Append("<ul class=\"notes\">\n");
            foreach (string note in report.Notes) html.Append($"<li>{Encode(note)}</li>\n");
            html.Append("</ul>\n");
        }
        if (report.Calibration.Count > 0)
        {
            html.Append("<h2>Calibration: predicted against measured step time</h2>\n<table>\n<tr><th>workers</th><th>global batch</th><th>measured (ms)</th><th>predicted (ms)</th><th>error</th></tr>\n");
            foreach (var c in report.Calibration)
                html.Append($"<tr><td>{c.Workers}</td><td>{c.GlobalBatch}</td><td>{c.MeasuredStepMs.ToString("F3", Invariant)}</td><td>{c.PredictedStepMs.ToString("F3", Invariant)}</td><td>{(c.RelativeError * 100).ToString("+0.0;-0.0", Invariant)}%</td></tr>\n");
            html.Append("</table>\n");
        }
        html.Append("""
            <h2>Charts</h2>
            <div class="charts">
            <div class="chart"><canvas id="speedup"></canvas></div>
            <div class="chart"><canvas id="efficiency"></canvas></div>
            <div class="chart wide"><canvas id="split"></canvas></div>

            """);
        if (report.Runs.Any(r => r.Accuracy.Count > 0)) html.Append("<div class=\"chart wide\"><canvas id=\"accuracy\"></canvas></div>\n");
        html.Append("</div>\n<h2>Results</h2>\n<table>\n<tr>");
        foreach (string column in CsvColumns) html.Append($"<th>{Encode(column)}</th>");
        html.Append("</tr>\n");
        foreach (var run in report.Runs)
        {
            html.Append("<tr>");
            var cells = Cells(run);
            for (int i = 0; i < cells.Length; i++) html.Append(i == 0 ? $"<td class=\"text\">{Encode(cells[i])}</td>" : $"<td>{Encode(cells[i])}</td>");
            html.Append("</tr>\n");
        }
        html.Append("</table>\n");
        // The JSON writer escapes <, > and & (as \u003C and so on), so no "</script>" can end the island early.
        html.Append($"<script type=\"application/json\" id=\"{DataIslandId}\">\n").Append(Json(report)).Append("</script>\n");
        html.Append("<script>\n").Append(ChartJs.Value).Append("\n</script>\n");
        html.Append("<script>\n").Append(ChartsScript).Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Chart.js, from the resource embedded at build time (Vendor/chart.umd.min.js), without its source-map comment.</summary>
    public static readonly Lazy<string> ChartJs = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Dpt.Coordinator.Experiments.chart.umd.min.js")
                           ?? throw new InvalidOperationException("the Chart.js resource is missing from the dpt assembly");
        string js = new StreamReader(stream).ReadToEnd();
        int map = js.LastIndexOf("//# sourceMappingURL=", StringComparison.Ordinal);
        return map >= 0 ? js[..map].TrimEnd() : js;
    });

    /// <summary>Draws the charts from the data island: speedup beside the ideal line, efficiency, the step time split as
    /// stacked bars, and test accuracy against time. Worker counts spanning more than 8x get a logarithmic axis.</summary>
    private const string ChartsScript = """
        const data = JSON.parse(document.getElementById('dpt-data').textContent);
        const designs = [...new Set(data.runs.map(r => r.design))];
        const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
        const workers = data.runs.map(r => r.workers);
        const logAxis = Math.max(...workers) / Math.min(...workers) > 8;
        const workersAxis = { type: logAxis ? 'logarithmic' : 'linear', title: { display: true, text: 'workers' },
          ticks: { callback: v => workers.includes(v) ? v : '' } };
        const line = (label, points, i, dashed) => ({ label, data: points, borderColor: colours[i % colours.length],
          backgroundColor: colours[i % colours.length], borderDash: dashed ? [6, 4] : [], showLine: true, fill: false, tension: 0 });
        const byDesign = d => data.runs.filter(r => r.design === d);
        const first = Math.min(...workers);
        const ideal = [...new Set(workers)].sort((a, b) => a - b).map(n => ({ x: n, y: n / first }));
        new Chart(document.getElementById('speedup'), { type: 'scatter', data: { datasets: [
            ...designs.map((d, i) => line(d, byDesign(d).map(r => ({ x: r.workers, y: r.speedup })), i, false)),
            line('ideal', ideal, 7, true)] },
          options: { maintainAspectRatio: false, plugins: { title: { display: true, text: 'Speedup against workers (' + data.scaling + ' scaling)' } },
            scales: { x: workersAxis, y: { type: logAxis ? 'logarithmic' : 'linear', title: { display: true, text: 'speedup' } } } } });
        new Chart(document.getElementById('efficiency'), { type: 'scatter', data: { datasets:
            designs.map((d, i) => line(d, byDesign(d).map(r => ({ x: r.workers, y: r.efficiency })), i, false)) },
          options: { maintainAspectRatio: false, plugins: { title: { display: true, text: 'Efficiency (speedup / workers)' } },
            scales: { x: workersAxis, y: { min: 0, title: { display: true, text: 'efficiency' } } } } });
        const parts = [['compute_ms', 'compute'], ['communication_ms', 'communication'], ['straggler_ms', 'waiting for stragglers'], ['optimizer_ms', 'optimizer']];
        new Chart(document.getElementById('split'), { type: 'bar', data: {
            labels: data.runs.map(r => (designs.length > 1 ? r.design + ' ' : '') + r.workers),
            datasets: parts.map(([key, label], i) => ({ label, data: data.runs.map(r => r[key]), backgroundColor: colours[i] })) },
          options: { maintainAspectRatio: false, plugins: { title: { display: true, text: 'Step time split (ms per step)' } },
            scales: { x: { stacked: true, title: { display: true, text: 'design and workers' } },
                      y: { stacked: true, type: logAxis ? 'logarithmic' : 'linear', title: { display: true, text: 'ms' } } } } });
        const accuracy = document.getElementById('accuracy');
        if (accuracy) new Chart(accuracy, { type: 'scatter', data: { datasets: data.runs.filter(r => r.accuracy.length > 0).map((r, i) =>
            line(r.workers + ' worker' + (r.workers === 1 ? '' : 's'), r.accuracy.map(p => ({ x: p.seconds, y: p.accuracy })), i, false)) },
          options: { maintainAspectRatio: false, plugins: { title: { display: true, text: 'Test accuracy against training time' } },
            scales: { x: { title: { display: true, text: 'seconds' } }, y: { title: { display: true, text: 'test accuracy' } } } } });

        """;

    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

    private static double? Nullable(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static string Num(double value) => double.IsFinite(value) ? value.ToString("R", Invariant) : "";
    private static string Num(long value) => value.ToString(Invariant);
    private static string Ms(double value) => Num(Math.Round(value, 4));
    private static string Ratio(double value) => Num(Math.Round(value, 4));
    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string CsvCell(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
}
