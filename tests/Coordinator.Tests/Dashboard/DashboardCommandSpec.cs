// dpt train --dashboard as a user runs it, a real process on the synthetic blobs: while it trains, the JSON
// endpoints show the same epochs it prints, both workers at work, and /metrics counts its steps; in cluster mode
// a dpt-worker process appears under its node's address with its heartbeats and, once killed, goes down while
// the run waits. Bad values and a port in use are the one-line option error before any data loads.
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Dpt.Coordinator.Tests.Cli;
using Dpt.Coordinator.Tests.Cluster;
using Xunit.Abstractions;

namespace Dpt.Coordinator.Tests.Dashboard;

[Collection(DptProcesses.Name)]
public sealed class DashboardCommandSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>A run that only its test ends (by killing it): epochs of 313 steps on two workers, a few hundredths of a second each.</summary>
    private static readonly string[] EndlessBlobs =
        ["train", "--dataset", "blobs", "--samples", "20000", "--layers", "32", "--batch-size", "64", "--epochs", "100000", "--workers", "2",
         "--balance", "equal", "--seed", "7", "--json"];

    [Fact]
    public async Task While_it_trains_the_endpoints_must_show_its_epochs_workers_steps_and_metrics()
    {
        using var directory = new TempDirectory();
        using var dpt = DptProcess.Start([.. EndlessBlobs, "--output", directory.Path, "--dashboard", "127.0.0.1:0"]);
        using var dashboard = await DashboardClient.OfAsync(dpt, Timeout);
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/$", dashboard.Url.ToString());

        var run = await dashboard.WaitForAsync("api/run", r => r.GetProperty("epoch").GetInt32() >= 2, Timeout, "two epochs");
        Assert.Equal("training", run.GetProperty("status").GetString());
        Assert.Equal("local", run.GetProperty("run").GetProperty("mode").GetString());
        Assert.Equal("[2-32-4] relu softmax-cross-entropy", run.GetProperty("run").GetProperty("model").GetString());
        Assert.Equal(313, run.GetProperty("run").GetProperty("steps_per_epoch").GetInt32());
        Assert.True(run.GetProperty("samples_per_s").GetDouble() > 0, run.ToString());

        // The epochs it shows are the ones it prints.
        var epochs = (await dashboard.JsonAsync("api/epochs")).EnumerateArray().ToArray();
        var printed = dpt.LinesSoFar.Where(l => !l.StandardError).Select(l => JsonDocument.Parse(l.Text).RootElement).ToArray();
        Assert.True(epochs.Length >= 2 && printed.Length >= 2, $"{epochs.Length} epochs shown, {printed.Length} printed");
        foreach (var (shown, line) in epochs.Zip(printed))
        {
            Assert.Equal(line.GetProperty("epoch").GetInt32(), shown.GetProperty("epoch").GetInt32());
            Assert.Equal(line.GetProperty("train_loss").GetDouble(), shown.GetProperty("train_loss").GetDouble());
            Assert.Equal(line.GetProperty("test_accuracy").GetDouble(), shown.GetProperty("test_accuracy").GetDouble());
        }

        var workers = (await dashboard.JsonAsync("api/workers")).EnumerateArray().ToArray();
        Assert.Equal(["worker-1", "worker-2"], workers.Select(w => w.GetProperty("name").GetString()));
        Assert.All(workers, w =>
        {
            Assert.Equal("up", w.GetProperty("state").GetString());
            Assert.Equal("in process", w.GetProperty("node").GetString());
            Assert.Equal(0.5, w.GetProperty("share").GetDouble()); // --balance equal: 32 samples each
            Assert.True(w.GetProperty("samples_per_s").GetDouble() > 0, w.ToString());
            Assert.True(w.GetProperty("last_shard_ago_s").GetDouble() < 10, w.ToString());
            Assert.Equal(JsonValueKind.Null, w.GetProperty("last_heartbeat_ago_s").ValueKind); // in process: no heartbeats
        });

        var steps = await dashboard.JsonAsync("api/steps?max=50");
        var points = steps.GetProperty("points").EnumerateArray().ToArray();
        Assert.InRange(points.Length, 2, 50);
        Assert.Equal(0, points[0].GetProperty("first_step").GetInt64());
        for (int i = 1; i < points.Length; i++)
            Assert.Equal(points[i - 1].GetProperty("last_step").GetInt64() + 1, points[i].GetProperty("first_step").GetInt64());

        string first = await dashboard.TextAsync("metrics");
        await Task.Delay(300);
        string second = await dashboard.TextAsync("metrics");
        Assert.True(DashboardClient.Sample(second, "dpt_training_steps_total") > DashboardClient.Sample(first, "dpt_training_steps_total"),
            "the step counter did not grow while training");
        Assert.True(DashboardClient.Sample(second, "dpt_training_epoch") >= 2);
        Assert.Equal(DashboardClient.Sample(second, "dpt_training_step_duration_seconds_count"),
            DashboardClient.Sample(second, "dpt_training_step_duration_seconds_bucket{le=\"+Inf\"}"));
        Assert.Equal(DashboardClient.Sample(second, "dpt_training_samples_total"),
            DashboardClient.Sample(second, "dpt_training_worker_samples_total{worker=\"worker-1\"}")
            + DashboardClient.Sample(second, "dpt_training_worker_samples_total{worker=\"worker-2\"}"));
        Assert.Equal(2, DashboardClient.Sample(second, "dpt_training_workers"));
        Assert.Contains("# TYPE dpt_training_step_phase_duration_seconds histogram", second);

        var events = await dashboard.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead);
        using var stream = new ServerSentEvents(await events.Content.ReadAsStreamAsync());
        var update = await stream.NextAsync(Timeout);
        Assert.Equal("update", update!.Type);
        Assert.Equal("training", JsonDocument.Parse(update.Data).RootElement.GetProperty("run").GetProperty("status").GetString());
    }

    [Fact]
    public async Task In_cluster_mode_a_worker_process_must_show_under_its_node_with_its_heartbeats_and_go_down_when_killed()
    {
        using var cluster = await ClusterProcesses.StartAsync(output,
            [.. ClusterTrainingSpec.Blobs, "--epochs", "100000", "--dashboard", "127.0.0.1:0", .. ClusterProcesses.FastFailureDetection]);
        using var dashboard = await DashboardClient.OfAsync(cluster.Coordinator, Timeout);
        var run = await dashboard.WaitForAsync("api/run", r => r.GetProperty("status").GetString() == "waiting", Timeout, "the wait for workers");
        Assert.Equal("cluster", run.GetProperty("run").GetProperty("mode").GetString());

        var worker = cluster.StartWorker(ClusterProcesses.FastFailureDetection);
        var workers = await dashboard.WaitForAsync("api/workers",
            w => w.GetArrayLength() == 1 && w[0].GetProperty("shards").GetInt64() > 0, Timeout, "a worker that computed shards");
        string name = workers[0].GetProperty("name").GetString()!;
        string node = workers[0].GetProperty("node").GetString()!;
        Assert.Matches(@"^127\.0\.0\.1:\d+/worker-1$", name);
        Assert.Equal(name[..name.LastIndexOf('/')], node);
        Assert.Equal("up", workers[0].GetProperty("state").GetString());
        Assert.True(workers[0].GetProperty("samples_per_s").GetDouble() > 0, workers[0].ToString());
        // Heartbeats every 100 ms: the last one is recent (a loaded machine may delay a few).
        Assert.InRange(workers[0].GetProperty("last_heartbeat_ago_s").GetDouble(), 0, 1);

        worker.Send(DptProcess.Signal.Kill);
        var down = await dashboard.WaitForAsync("api/workers", w => w[0].GetProperty("state").GetString() == "down", Timeout, "the killed worker down");
        // Downed after about FastDetectionTime of silence, and the silence keeps counting.
        double silent = down[0].GetProperty("last_heartbeat_ago_s").GetDouble();
        Assert.True(silent > 0.5, down[0].ToString());
        await dashboard.WaitForAsync("api/run", r => r.GetProperty("status").GetString() == "waiting" && r.GetProperty("workers").GetInt32() == 0,
            Timeout, "the run waiting for workers again");
        await dashboard.WaitForAsync("api/workers", w => w[0].GetProperty("last_heartbeat_ago_s").GetDouble() > silent, Timeout, "the silence growing");
    }

    [Theory]
    [InlineData("nonsense", "expected PORT or HOST:PORT", "the port is missing")]
    [InlineData("99999", "expected PORT or HOST:PORT", "not a number from 0 to 65535")]
    public async Task A_bad_value_must_be_one_line_naming_the_option_with_exit_code_2(string value, string accepted, string problem)
    {
        using var directory = new TempDirectory();
        var result = await DptProcess.RunAsync("train", "--dataset", "blobs", "--output", directory.Path, "--dashboard", value);

        DptAssert.UsageError(result, "--dashboard", $"'{value}'", accepted, problem);
        Assert.Empty(directory.Entries()); // refused before a run folder was made
    }

    [Fact]
    public async Task A_port_in_use_must_be_one_line_naming_the_option_with_exit_code_2()
    {
        using var directory = new TempDirectory();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        string at = $"127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var result = await DptProcess.RunAsync("train", "--dataset", "blobs", "--json", "--output", directory.Path, "--dashboard", at);

        DptAssert.UsageError(result, "--dashboard", $"'{at}'", "cannot listen there");
        Assert.Empty(directory.Entries());
    }

    [Fact]
    public async Task A_resumed_run_must_take_the_dashboard()
    {
        using var directory = new TempDirectory();
        var first = await DptProcess.RunAsync("train", "--dataset", "blobs", "--samples", "400", "--layers", "8", "--epochs", "1", "--workers", "1",
            "--json", "--output", directory.Path, "--name", "run");
        Assert.True(first.ExitCode == 0, first.ToString());

        var resumed = await DptProcess.RunAsync("train", "--resume", directory.File("run"), "--epochs", "2", "--json", "--dashboard", "0");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Matches(@"^dashboard at http://127\.0\.0\.1:\d+/$", resumed.ErrorLines[0]);
        Assert.Single(resumed.OutputLines); // the one new epoch
    }
}
