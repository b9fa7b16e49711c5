// The report files for given results: the CSV's rows and columns, the JSON's values (and reading it back),
// and a report.html that carries the data as a JSON island and Chart.js inline, with no network reference.
using System.Text.Json;
using System.Text.RegularExpressions;
using Dpt.Coordinator.Experiments;
using Dpt.Coordinator.Tests.Cli;

namespace Dpt.Coordinator.Tests.Experiments;

public sealed class ReportWriterSpec
{
    private static ExperimentReport Sample() => ExperimentReport.Create("scale", "two runs <of> blobs", ScalingMode.Strong,
        [KeyValuePair.Create("data set", "blobs"), KeyValuePair.Create("global batch", "128")],
        [
            new RunResult("local", 2, 128, 3000, new StepSplit(30, 5, 2, 5.6667), 100, 4.27, TimeToTargetSeconds: 3.5, FinalAccuracy: 0.95,
                Accuracy: [new AccuracyPoint(1.5, 0.9), new AccuracyPoint(3.5, 0.95)]),
            new RunResult("local", 1, 128, 2000, new StepSplit(60, 2, 0, 2), 100, 6.4, FinalAccuracy: 0.94, Accuracy: [new AccuracyPoint(6.4, 0.94)]),
        ],
        ["a note with \"quotes\""]);

    [Fact]
    public void Create_must_sort_by_workers_and_measure_speedup_and_efficiency_against_the_smallest_count_of_each_design()
    {
        var report = ExperimentReport.Create("simulate", "t", ScalingMode.Weak, [],
        [
            new RunResult("ring", 4, 512, 400, new StepSplit(1, 0, 0, 0)), new RunResult("ring", 2, 256, 300, new StepSplit(1, 0, 0, 0)),
            new RunResult("ps", 2, 256, 100, new StepSplit(1, 0, 0, 0)), new RunResult("ps", 8, 1024, 200, new StepSplit(1, 0, 0, 0)),
        ]);

        Assert.Equal(["ring", "ps"], report.Designs);
        Assert.Equal([2, 4, 2, 8], report.Runs.Select(r => r.Workers));
        Assert.Equal([1, 400.0 / 300, 1, 2], report.Runs.Select(r => r.Speedup));
        Assert.Equal([1, 400.0 / 300 / 2, 1, 0.5], report.Runs.Select(r => r.Efficiency));
    }

    [Fact]
    public void Csv_must_have_the_header_and_one_row_per_run_with_the_step_split_adding_up()
    {
        var lines = ReportWriter.Csv(Sample()).TrimEnd('\n').Split('\n');

        Assert.Equal(string.Join(",", ReportWriter.CsvColumns), lines[0]);
        Assert.Equal("local,1,128,2000,64,60,2,0,2,1,1,,0.94,100,6.4", lines[1]);
        Assert.Equal("local,2,128,3000,42.6667,30,5,2,5.6667,1.5,0.75,3.5,0.95,100,4.27", lines[2]);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public void Json_must_hold_settings_notes_and_every_measure_and_read_back_to_the_same_runs()
    {
        var report = Sample();
        var json = JsonDocument.Parse(ReportWriter.Json(report)).RootElement;

        Assert.Equal("scale", json.GetProperty("kind").GetString());
        Assert.Equal("strong", json.GetProperty("scaling").GetString());
        Assert.Equal("blobs", json.GetProperty("settings").GetProperty("data set").GetString());
        Assert.Equal("a note with \"quotes\"", json.GetProperty("notes")[0].GetString());
        var two = json.GetProperty("runs")[1];
        Assert.Equal(2, two.GetProperty("workers").GetInt32());
        Assert.Equal(42.6667, two.GetProperty("step_ms").GetDouble());
        Assert.Equal(1.5, two.GetProperty("speedup").GetDouble());
        Assert.Equal(0.75, two.GetProperty("efficiency").GetDouble());
        Assert.Equal(3.5, two.GetProperty("time_to_target_s").GetDouble());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("runs")[0].GetProperty("time_to_target_s").ValueKind);
        Assert.Equal(2, two.GetProperty("accuracy").GetArrayLength());

        var back = ReportWriter.ReadJson(ReportWriter.Json(report), "results.json");
        Assert.Equal(report.Runs.Select(r => (r.Workers, r.SamplesPerSecond, r.Step, r.Speedup, r.FinalAccuracy)),
            back.Runs.Select(r => (r.Workers, r.SamplesPerSecond, r.Step, r.Speedup, r.FinalAccuracy)));
        Assert.Equal(report.Runs[1].Accuracy, back.Runs[1].Accuracy);
    }

    [Fact]
    public void ReadJson_must_name_the_file_of_text_that_is_not_a_report()
    {
        var e = Assert.Throws<InvalidDataException>(() => ReportWriter.ReadJson("{\"workers\": 1}", "bench.json"));
        Assert.StartsWith("bench.json: not a results.json", e.Message);
    }

    [Fact]
    public void Html_must_carry_the_data_island_and_Chart_js_inline_and_reference_nothing_on_the_network()
    {
        string html = ReportWriter.Html(Sample());

        var island = Regex.Match(html, $"<script type=\"application/json\" id=\"{ReportWriter.DataIslandId}\">(.*?)</script>", RegexOptions.Singleline);
        Assert.True(island.Success);
        var data = JsonDocument.Parse(island.Groups[1].Value).RootElement;
        Assert.Equal("two runs <of> blobs", data.GetProperty("title").GetString());
        Assert.Equal(2, data.GetProperty("runs").GetArrayLength());

        Assert.Contains("Chart.js v4.6.1", html);
        Assert.Contains(ReportWriter.ChartJs.Value, html);
        Assert.DoesNotContain("sourceMappingURL", html);
        Assert.DoesNotContain("src=\"http", html);
        Assert.DoesNotContain("href=\"http", html);
        Assert.Contains("two runs &lt;of&gt; blobs", html);
        foreach (string canvas in new[] { "speedup", "efficiency", "split", "accuracy" }) Assert.Contains($"<canvas id=\"{canvas}\">", html);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.EndsWith("</html>\n", html);
        Assert.Equal(Regex.Matches(html, "<script[ >]").Count, Regex.Matches(html, "</script>").Count);
    }

    [Fact]
    public void Write_must_write_the_three_files()
    {
        using var dir = new TempDirectory();

        ReportWriter.Write(Sample(), dir.File("out"));

        Assert.Equal(["out", "out/report.html", "out/results.csv", "out/results.json"], dir.Entries());
        Assert.Equal(ReportWriter.Csv(Sample()), File.ReadAllText(dir.File("out/results.csv")));
    }
}
