// `dpt bench` run as a real process, kept tiny (5 warm-up steps, two windows of 10): --json prints one
// object with the measures the benchmark scripts read; bad option values are one line and exit code 2.
using System.Text.Json;

namespace Dpt.Coordinator.Tests.Cli;

[Collection(DptProcesses.Name)]
public sealed class BenchCommandSpec
{
    private static readonly string[] Tiny = ["bench", "--workers", "1", "--warmup", "5", "--steps", "10", "--windows", "2"];

    [Fact]
    public async Task Json_must_be_one_object_with_the_workload_and_positive_measures()
    {
        var result = await DptProcess.RunAsync([.. Tiny, "--json"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonDocument.Parse(Assert.Single(result.OutputLines)).RootElement;
        Assert.Equal(JsonValueKind.Object, json.ValueKind);
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("workload").GetString()));
        Assert.Equal(1, json.GetProperty("workers").GetInt32());
        Assert.Equal(128, json.GetProperty("batch").GetInt32());
        foreach (string measure in new[] { "samples_per_s", "gflops", "seconds" })
            Assert.True(json.GetProperty(measure).GetDouble() > 0, $"{measure} is {json.GetProperty(measure)}\n{result}");
        Assert.Equal(2, json.GetProperty("window_samples_per_s").GetArrayLength());
        // What it ran on, so that figures from different machines are not compared as if alike.
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("cpu").GetString()));
        Assert.Equal(Environment.ProcessorCount, json.GetProperty("processors").GetInt32());
        Assert.Empty(result.ErrorLines);
    }

    [Fact]
    public async Task Several_worker_counts_must_each_get_an_object_with_their_speedup_over_the_first_and_the_compute_ceiling()
    {
        var result = await DptProcess.RunAsync(["bench", "--workers", "1,2", "--rounds", "2", "--warmup", "5", "--steps", "10", "--windows", "2", "--json"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var objects = result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([1, 2], objects.Select(o => o.GetProperty("workers").GetInt32()));
        Assert.Equal(1.0, objects[0].GetProperty("speedup").GetDouble());
        foreach (var o in objects)
        {
            Assert.Equal(2, o.GetProperty("rounds").GetInt32());
            Assert.Equal(4, o.GetProperty("window_samples_per_s").GetArrayLength()); // two windows in each of two rounds
            Assert.True(o.GetProperty("compute_ceiling_samples_per_s").GetDouble() > 0, result.ToString());
            Assert.InRange(o.GetProperty("efficiency").GetDouble(), 0.01, 2);
            Assert.InRange(o.GetProperty("efficiency_vs_concurrent_ceiling").GetDouble(), 0.01, 2);
        }
        // One worker's concurrent ceiling is the one-thread ceiling itself; two threads' is their own measurement.
        Assert.Equal(objects[0].GetProperty("compute_ceiling_samples_per_s").GetDouble(), objects[0].GetProperty("concurrent_compute_ceiling_samples_per_s").GetDouble());
        Assert.True(objects[1].GetProperty("concurrent_compute_ceiling_samples_per_s").GetDouble() > 0, result.ToString());
        // The speedup pairs the runs of each round; it lies between the smallest and the largest ratio of window rates.
        double speedup = objects[1].GetProperty("speedup").GetDouble();
        var one = objects[0].GetProperty("window_samples_per_s").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        var two = objects[1].GetProperty("window_samples_per_s").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        Assert.InRange(speedup, two.Min() / one.Max() - 0.001, two.Max() / one.Min() + 0.001);
        // Each round's pair is there too, and the speedup is their median (of two: the mean).
        var rounds = objects.Select(o => o.GetProperty("round_samples_per_s").EnumerateArray().Select(x => x.GetDouble()).ToArray()).ToList();
        var pairs = objects[1].GetProperty("round_speedups").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        Assert.Equal([1.0, 1.0], objects[0].GetProperty("round_speedups").EnumerateArray().Select(x => x.GetDouble()));
        Assert.Equal(2, pairs.Length);
        for (int r = 0; r < 2; r++) Assert.Equal(rounds[1][r] / rounds[0][r], pairs[r], 0.002);
        Assert.Equal((pairs[0] + pairs[1]) / 2, speedup, 0.002);
    }

    [Fact]
    public async Task The_table_on_a_pipe_must_be_plain_text_under_the_workload_on_a_line_of_its_own()
    {
        var result = await DptProcess.RunAsync(Tiny);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain('\u001b', result.StandardOutput);
        Assert.StartsWith("mlp-784-256-128-10 ", result.OutputLines[0]);
        Assert.Contains(result.OutputLines, l => l.Contains("samples/s") && l.Contains('│'));
    }

    [SignalFact]
    public async Task Ctrl_C_must_stop_the_benchmark_with_one_line_saying_how_far_it_got_and_exit_code_130()
    {
        using var dpt = DptProcess.Start(["bench", "--workers", "1", "--warmup", "5", "--steps", "100000", "--windows", "2"]);
        await dpt.WaitForLineAsync(l => l.EndsWith(" steps", StringComparison.Ordinal), TimeSpan.FromSeconds(30), standardError: true);

        dpt.Interrupt();
        var result = await dpt.WaitForExitAsync(TimeSpan.FromSeconds(15));

        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Empty(result.StandardOutput);
        Assert.Matches(@"^dpt: benchmark interrupted after \d+ of 200005 steps$", result.ErrorLines[^1]);
        Assert.DoesNotContain("   at ", result.StandardError);
    }

    [Theory]
    [InlineData("--workers 0", "--workers", "'0'", "an integer from 1 to 256")]
    [InlineData("--workers x", "--workers", "'x'", "an integer from 1 to 256")]
    [InlineData("--batch 0", "--batch", "'0'", "from the largest --workers (1) to 1048576")]
    [InlineData("--warmup 0", "--warmup", "'0'", "an integer >= 1")]
    [InlineData("--steps abc", "--steps", "'abc'", "an integer >= 1")]
    [InlineData("--windows -1", "--windows", "'-1'", "an integer >= 1")]
    [InlineData("--seed -5", "--seed", "'-5'", "a non-negative integer")]
    [InlineData("--nonsense", "'--nonsense'", "is not an option", "dpt bench --help")]
    [InlineData("--steps", "--steps", "value is missing", "an integer >= 1")]
    [InlineData("--pin-workers", "--pin-workers", "''", "it needs --cluster")]
    public async Task An_invalid_option_must_be_one_line_naming_option_value_and_what_is_accepted_with_exit_code_2(
        string options, string option, string value, string accepted)
    {
        var given = options.Split(' ');
        var tiny = Tiny.Skip(1).Chunk(2).Where(o => !given.Contains(o[0])).SelectMany(o => o);

        DptAssert.UsageError(await DptProcess.RunAsync(["bench", .. tiny, .. given]), option, value, accepted);
    }
}
