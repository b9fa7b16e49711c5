// `dpt experiment scale` and `simulate` run as real processes: the report folder's files and their contents,
// the printed table, and one line with exit code 2 for a bad option value.
using System.Text.Json;

namespace Dpt.Coordinator.Tests.Cli;

[Collection(DptProcesses.Name)]
public sealed class ExperimentCommandSpec
{
    [Fact]
    public async Task Scale_must_write_the_report_of_each_worker_count_and_show_progress_on_standard_error()
    {
        using var dir = new TempDirectory();

        var result = await DptProcess.RunAsync("experiment", "scale", "--workers", "1,2", "--steps", "30", "--dataset", "blobs", "--output", dir.File("scale"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["scale", "scale/report.html", "scale/results.csv", "scale/results.json"], dir.Entries());
        var csv = File.ReadAllLines(dir.File("scale/results.csv"));
        Assert.Equal(3, csv.Length);
        Assert.StartsWith("local,1,128,", csv[1]);
        Assert.StartsWith("local,2,128,", csv[2]);
        var runs = JsonDocument.Parse(File.ReadAllText(dir.File("scale/results.json"))).RootElement.GetProperty("runs");
        Assert.Equal(2, runs.GetArrayLength());
        foreach (var run in runs.EnumerateArray())
        {
            Assert.True(run.GetProperty("samples_per_s").GetDouble() > 0, result.ToString());
            Assert.True(run.GetProperty("compute_ms").GetDouble() > 0, result.ToString());
            Assert.InRange(run.GetProperty("final_accuracy").GetDouble(), 0, 1);
            Assert.True(run.GetProperty("accuracy").GetArrayLength() >= 1);
        }
        Assert.Equal(1.0, runs[0].GetProperty("speedup").GetDouble());
        Assert.Contains("Chart.js v4.6.1", File.ReadAllText(dir.File("scale/report.html")));
        Assert.Contains(result.ErrorLines, l => l.StartsWith("configuration 2/2: 2 workers, batch 128, step 30/30"));
        Assert.Contains(result.OutputLines, l => l.StartsWith("local ") && l.Contains(" 2 "));
    }

    [Fact]
    public async Task Scale_must_stop_at_a_diverging_configuration_naming_it_and_write_no_report()
    {
        using var dir = new TempDirectory();

        var result = await DptProcess.RunAsync("experiment", "scale", "--workers", "1,2", "--epochs", "2", "--dataset", "blobs", "--samples", "2000",
            "--layers", "8", "--lr", "1e6", "--output", dir.File("scale"));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("dpt: training failed: 1 worker: training diverged: the training loss of step 15 (epoch 1) is NaN; give a smaller --lr (it is 1000000)",
            result.ErrorLines[^1]);
        Assert.False(File.Exists(dir.File("scale/report.html")));
    }

    [Fact]
    public async Task Simulate_must_model_three_designs_at_every_worker_count_and_calibrate_from_a_scale_report()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("bench.json"),
            """
            {"workload":"w","workers":1,"batch":128,"step_ms":2.61,"compute_ms":2.29,"communication_ms":0.03,"straggler_ms":0,"optimizer_ms":0.29}
            {"workload":"w","workers":2,"batch":128,"step_ms":1.54,"compute_ms":1.27,"communication_ms":0.07,"straggler_ms":0.05,"optimizer_ms":0.17}
            """);

        var result = await DptProcess.RunAsync("experiment", "simulate", "--workers", "1,2,4,1024", "--bandwidth", "10Gbit", "--latency", "50us",
            "--calibrate", dir.File("bench.json"), "--output", dir.File("sim"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonDocument.Parse(File.ReadAllText(dir.File("sim/results.json"))).RootElement;
        var designs = json.GetProperty("runs").EnumerateArray().Select(r => (r.GetProperty("design").GetString(), r.GetProperty("workers").GetInt32())).ToList();
        Assert.Equal(12, designs.Count);
        Assert.Equal(["single-ps", "sharded-ps", "ring-allreduce"], designs.Select(d => d.Item1).Distinct());
        var calibration = json.GetProperty("calibration");
        Assert.Equal(2, calibration.GetArrayLength());
        Assert.All(calibration.EnumerateArray(), c => Assert.InRange(c.GetProperty("relative_error").GetDouble(), -0.2, 0.2));
        Assert.Contains(result.OutputLines, l => l.StartsWith("calibration: 2 worker(s)"));
        Assert.Equal(13, File.ReadAllLines(dir.File("sim/results.csv")).Length);
    }

    [Theory]
    [InlineData("--bandwidth", "10", "expected a positive rate with a unit")]
    [InlineData("--latency", "fast", "expected a duration >= 0 with a unit")]
    [InlineData("--straggler", "gamma:2", "expected none, lognormal:SIGMA")]
    [InlineData("--shards", "0", "or 'workers'")]
    [InlineData("--workers", "1,x", "comma-separated worker counts")]
    [InlineData("--global-batch", "100", "from the largest --workers (1024)")]
    public async Task Simulate_must_refuse_a_bad_value_in_one_line_naming_the_option(string option, string value, string accepted)
    {
        var result = await DptProcess.RunAsync("experiment", "simulate", option, value, "--output", Path.GetTempPath());
        DptAssert.UsageError(result, option, $"'{value}'", accepted);
    }

    [Theory]
    [InlineData(new[] { "--mode", "remote" }, "--mode", "expected local or cluster")]
    [InlineData(new[] { "--link", "delay=1ms" }, "--link", "with --mode cluster only")]
    [InlineData(new[] { "--mode", "cluster", "--link", "rate=1gb" }, "--link", "'gb' is not a rate unit (kbit, mbit or gbit)")]
    [InlineData(new[] { "--global-batch", "64", "--batch-per-worker", "32" }, "--batch-per-worker", "not both")]
    [InlineData(new[] { "--steps", "1" }, "--steps", "an integer >= 2")]
    [InlineData(new[] { "--workers", "0" }, "--workers", "an integer from 1 to 256")]
    [InlineData(new[] { "--dataset", "cifar" }, "--dataset", "one of fashion-mnist")]
    public async Task Scale_must_refuse_a_bad_value_in_one_line_naming_the_option(string[] args, string option, string accepted)
    {
        var result = await DptProcess.RunAsync(["experiment", "scale", .. args]);
        DptAssert.UsageError(result, option, accepted);
    }

    [Fact]
    public async Task Help_must_show_every_option_with_its_default()
    {
        var result = await DptProcess.RunAsync("experiment", "simulate", "--help");
        Assert.Equal(0, result.ExitCode);
        foreach (string fragment in new[] { "--bandwidth", "[default: 10Gbit]", "--latency", "[default: 50us]", "--straggler", "[default: lognormal:0.1]", "[default: 16]" })
            Assert.Contains(fragment, result.StandardOutput);
    }
}
