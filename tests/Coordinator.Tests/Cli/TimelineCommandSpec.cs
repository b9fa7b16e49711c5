// --timeline as a user runs it: `dpt train` in local mode and `dpt bench` write a Chrome trace with every
// kind of span for each worker and parameter-server shard, nested in the coordinator's steps, and say where.
// (Cluster mode with a real dpt-worker process: Cluster/ClusterTimelineSpec.)
using Dpt.Coordinator.Tests.Timeline;

namespace Dpt.Coordinator.Tests.Cli;

[Collection(DptProcesses.Name)]
public sealed class TimelineCommandSpec
{
    internal static readonly string[] WorkerPhases = ["receive parameters", "forward", "backward", "send gradients", "idle"];
    internal static readonly string[] ServerPhases = ["aggregate", "apply", "publish"];

    [Fact]
    public async Task Train_must_write_every_span_of_each_worker_and_parameter_server_shard_inside_each_recorded_step()
    {
        using var directory = new TempDirectory();
        string file = directory.File("timeline.json");
        // 32 steps of 64 in an epoch: the window of 20 ends inside the first. Equal shards: with a model this small,
        // throughput-proportional ones can give a worker no samples in a step, and then it records no spans there.
        var result = await DptProcess.RunAsync("train", "--dataset", "blobs", "--samples", "2000", "--layers", "16", "--batch-size", "64", "--epochs", "2",
            "--workers", "2", "--seed", "7", "--balance", "equal", "--json", "--output", directory.Path, "--timeline", file, "--timeline-steps", "20");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"^timeline of steps 0-19 \(\d+ spans\) written to .*timeline\.json; open it in https://ui\.perfetto\.dev$", result.ErrorLines[^1]);
        var trace = TraceReader.Read(file);
        var steps = trace.Steps("dpt train");
        Assert.Equal(Enumerable.Range(0, 20).Select(s => (long)s), steps.Keys.Order());
        Assert.All(steps.Values, s => Assert.Equal(64, s.Args.GetProperty("samples").GetInt32()));
        Assert.Equal(["coordinator", "parameter-server-1", "parameter-server-2", "worker-1", "worker-2"], trace.Spans.Select(s => s.Thread).Distinct());
        foreach (string worker in new[] { "worker-1", "worker-2" })
            TraceReader.AssertPhases(trace.Of(worker), steps, WorkerPhases, worker);
        foreach (string server in new[] { "parameter-server-1", "parameter-server-2" })
            TraceReader.AssertPhases(trace.Of(server), steps, ServerPhases, server);
        // The shards of a step cover its batch.
        Assert.All(steps.Keys, step => Assert.Equal(64, trace.Spans.Where(s => s.Name == "forward" && s.Step == step).Sum(s => s.Args.GetProperty("samples").GetInt32())));
    }

    [Fact]
    public async Task A_resumed_run_must_record_from_its_checkpoints_step()
    {
        using var directory = new TempDirectory();
        string file = directory.File("resumed.json");
        // 13 steps of 32 in an epoch of 400 samples.
        var first = await DptProcess.RunAsync("train", "--dataset", "blobs", "--samples", "400", "--layers", "8", "--batch-size", "32", "--epochs", "1",
            "--workers", "1", "--json", "--output", directory.Path, "--name", "run");
        Assert.True(first.ExitCode == 0, first.ToString());

        var resumed = await DptProcess.RunAsync("train", "--resume", directory.File("run"), "--epochs", "2", "--json", "--timeline", file, "--timeline-steps", "5");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.StartsWith("timeline of steps 13-17 (", resumed.ErrorLines[^1]);
        var steps = TraceReader.Read(file).Steps("dpt train");
        Assert.Equal([13L, 14, 15, 16, 17], steps.Keys.Order());
    }

    [Fact]
    public async Task Bench_must_record_each_run_from_the_end_of_its_warm_up_as_processes_of_their_own()
    {
        using var directory = new TempDirectory();
        string file = directory.File("bench.json");
        var result = await DptProcess.RunAsync("bench", "--workers", "1,2", "--warmup", "5", "--steps", "10", "--windows", "1", "--json",
            "--timeline", file, "--timeline-steps", "4");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(2, result.OutputLines.Length);
        Assert.StartsWith("timeline of steps 5-8 (", Assert.Single(result.ErrorLines));
        var trace = TraceReader.Read(file);
        string[] runs = ["dpt bench, round 1/1, 1 worker", "dpt bench, round 1/1, 2 workers"];
        Assert.Equal(runs, trace.Spans.Select(s => s.Process).Distinct());
        Assert.True(trace.Steps(runs[1]).Values.Min(s => s.Start) > trace.Steps(runs[0]).Values.Max(s => s.End), "the second run after the first");
        foreach (var (run, workers) in runs.Zip([1, 2]))
        {
            var steps = trace.Steps(run);
            Assert.Equal([5L, 6, 7, 8], steps.Keys.Order());
            for (int w = 1; w <= workers; w++) TraceReader.AssertPhases(trace.Of($"worker-{w}", run), steps, WorkerPhases, $"{run}: worker-{w}");
            TraceReader.AssertPhases(trace.Of("parameter-server-1", run), steps, ServerPhases, $"{run}: parameter-server-1");
        }
    }

    [Theory]
    [InlineData("--timeline-steps 5", "--timeline-steps", "'5'", "give --timeline FILE too")]
    [InlineData("--timeline t.json --timeline-steps 0", "--timeline-steps", "'0'", "an integer from 1 to 10000")]
    [InlineData("--timeline t.json --timeline-steps x", "--timeline-steps", "'x'", "an integer from 1 to 10000")]
    [InlineData("--timeline /no/such/directory/t.json", "--timeline", "'/no/such/directory/t.json'", "a file in an existing directory")]
    [InlineData("--timeline /tmp", "--timeline", "'/tmp'", "the path of a file to write")]
    public async Task An_invalid_timeline_option_must_be_one_line_and_exit_code_2_for_train_and_bench(string options, string option, string value, string accepted)
    {
        using var output = new TempDirectory();
        var given = options.Split(' ');
        var train = await DptProcess.RunAsync(["train", "--dataset", "blobs", "--samples", "400", "--layers", "8", "--epochs", "1", "--workers", "1",
            "--output", output.Path, .. given]);
        DptAssert.UsageError(train, option, value, accepted);
        Assert.Empty(output.Entries());

        DptAssert.UsageError(await DptProcess.RunAsync(["bench", "--warmup", "5", "--steps", "10", "--windows", "1", .. given]), option, value, accepted);
    }
}
