// The dashboard's server in this process, over HTTP: the page and its scripts from the assembly, the JSON
// endpoints with snake_case names, /api/steps' bounds, the event stream (everything at once, then each change
// or a refresh when nothing changes, then its end when the dashboard stops), /metrics in the Prometheus format,
// and a port in use refused as the one-line option error.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Dpt.Coordinator.Dashboard;
using Dpt.Training;
using static Dpt.Coordinator.Tests.Dashboard.DashboardEvents;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Tests.Dashboard;

public sealed class TrainingDashboardSpec
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static async Task<TrainingDashboard> StartAsync()
    {
        var dashboard = await TrainingDashboard.StartAsync(DashboardOptions.Parse("127.0.0.1:0"), CancellationToken.None);
        dashboard.State.Describe(new RunDescription("local", "blobs", "[2-16-4] relu softmax-cross-entropy", "sgd", "constant(lr=0.05)", 64, 10, 32,
            2000, 400, null, 7, "runs/x", 0, 2, 2));
        dashboard.Observe(new WorkersChanged(["worker-1", "worker-2"], "worker-2 joined"));
        dashboard.Observe(new StepsCompleted(Enumerable.Range(0, 40).Select(i => Step(i, at: 1 + i * 0.01,
            shards: [("worker-1", 32, 0.001), ("worker-2", 32, 0.001)])).ToList()));
        dashboard.Observe(new EpochCompleted(Epoch(0, trainLoss: 0.6)));
        return dashboard;
    }

    private static HttpClient Client(TrainingDashboard dashboard) => new() { BaseAddress = dashboard.Url, Timeout = Timeout };

    [Fact]
    public async Task The_page_and_its_scripts_must_be_served_from_the_assembly()
    {
        await using var dashboard = await StartAsync();
        using var http = Client(dashboard);

        Assert.Matches(@"^http://127\.0\.0\.1:\d+/$", dashboard.Url.ToString());
        Assert.NotEqual(0, dashboard.Url.Port);
        var page = await http.GetAsync("/");
        Assert.Equal("text/html; charset=utf-8", page.Content.Headers.ContentType!.ToString());
        string html = await page.Content.ReadAsStringAsync();
        foreach (string id in new[] { "loss-chart", "accuracy-chart", "step-loss-chart", "split-chart", "workers" }) Assert.Contains($"id=\"{id}\"", html);
        Assert.Contains("<script src=\"chart.umd.min.js\"></script>", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "")); // nothing from another host
        Assert.DoesNotContain("https://", html);

        string chart = await http.GetStringAsync("/chart.umd.min.js");
        Assert.StartsWith("/*!\n * Chart.js v4.6.1", chart);
        string script = await http.GetStringAsync("/dashboard.js");
        Assert.Contains("new EventSource('api/events')", script);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/nothing-here")).StatusCode);
    }

    [Fact]
    public async Task The_json_endpoints_must_give_the_run_epochs_steps_and_workers()
    {
        await using var dashboard = await StartAsync();
        using var http = Client(dashboard);

        var run = JsonDocument.Parse(await http.GetStringAsync("/api/run")).RootElement;
        Assert.Equal("training", run.GetProperty("status").GetString());
        Assert.Equal("blobs", run.GetProperty("run").GetProperty("dataset").GetString());
        Assert.Equal(32, run.GetProperty("run").GetProperty("steps_per_epoch").GetInt32());
        Assert.Equal(40, run.GetProperty("step").GetInt64());
        Assert.Equal(1, run.GetProperty("epoch").GetInt32());
        Assert.True(run.GetProperty("split_ms").GetProperty("step_ms").GetDouble() > 0);

        var epochs = JsonDocument.Parse(await http.GetStringAsync("/api/epochs")).RootElement;
        Assert.Equal(1, epochs.GetArrayLength());
        Assert.Equal(1, epochs[0].GetProperty("epoch").GetInt32());
        Assert.Equal(0.6, epochs[0].GetProperty("train_loss").GetDouble());
        Assert.Equal(JsonValueKind.Null, epochs[0].GetProperty("validation_loss").ValueKind);

        var steps = JsonDocument.Parse(await http.GetStringAsync("/api/steps?max=4")).RootElement;
        Assert.Equal(40, steps.GetProperty("steps").GetInt64());
        var points = steps.GetProperty("points");
        Assert.Equal(4, points.GetArrayLength());
        Assert.Equal(39, points[3].GetProperty("last_step").GetInt64());
        var recent = JsonDocument.Parse(await http.GetStringAsync("/api/steps?last=5")).RootElement.GetProperty("points");
        Assert.Equal([35L, 36, 37, 38, 39], recent.EnumerateArray().Select(p => p.GetProperty("first_step").GetInt64()));

        var workers = JsonDocument.Parse(await http.GetStringAsync("/api/workers")).RootElement;
        Assert.Equal(["worker-1", "worker-2"], workers.EnumerateArray().Select(w => w.GetProperty("name").GetString()));
        Assert.All(workers.EnumerateArray(), w =>
        {
            Assert.Equal("up", w.GetProperty("state").GetString());
            Assert.Equal(0.5, w.GetProperty("share").GetDouble());
            Assert.Equal(40, w.GetProperty("shards").GetInt64());
        });
    }

    [Theory]
    [InlineData("/api/steps?max=0", "max: '0' is not valid; expected a number of points from 1 to 5000")]
    [InlineData("/api/steps?max=5001", "max: '5001' is not valid")]
    [InlineData("/api/steps?last=0", "last: '0' is not valid; expected a number of steps of at least 1")]
    [InlineData("/api/steps?max=abc", "max: 'abc' is not valid; expected a number of points from 1 to 5000")]
    [InlineData("/api/steps?last=-3", "last: '-3' is not valid")]
    public async Task Steps_out_of_range_must_be_a_bad_request_saying_what_is_accepted(string path, string message)
    {
        await using var dashboard = await StartAsync();
        using var http = Client(dashboard);

        var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith(message, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_event_stream_must_send_everything_then_each_change_and_end_when_the_dashboard_stops()
    {
        var dashboard = await StartAsync();
        using var http = Client(dashboard);
        var response = await http.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var events = new ServerSentEvents(await response.Content.ReadAsStreamAsync());

        var first = await events.NextAsync(Timeout);
        Assert.Equal("update", first!.Type);
        var update = JsonDocument.Parse(first.Data).RootElement;
        Assert.Equal(0, update.GetProperty("epochs_from").GetInt32());
        Assert.Equal(1, update.GetProperty("epochs").GetArrayLength());
        Assert.Equal(40, update.GetProperty("steps").GetProperty("steps").GetInt64());
        Assert.Equal(2, update.GetProperty("workers").GetArrayLength());

        dashboard.Observe(new EpochCompleted(Epoch(1, trainLoss: 0.4)));
        JsonElement second;
        do second = JsonDocument.Parse((await events.NextAsync(Timeout))!.Data).RootElement;
        while (second.GetProperty("epochs").GetArrayLength() == 0); // a refresh may come first on a slow machine
        Assert.Equal(1, second.GetProperty("epochs_from").GetInt32());
        Assert.Equal([2], second.GetProperty("epochs").EnumerateArray().Select(e => e.GetProperty("epoch").GetInt32()));

        dashboard.Observe(new TrainingFinished(2, 40, 1, "2 epochs done", new ParameterServerProtocol.Snapshot(0, 0, [], [])));
        var stop = dashboard.DisposeAsync().AsTask();
        // The last change is sent (possibly with the one before it), then the stream ends.
        ServerSentEvents.Event? last = null;
        while (await events.NextAsync(Timeout) is { } e) last = e;
        Assert.Equal("finished", JsonDocument.Parse(last!.Data).RootElement.GetProperty("run").GetProperty("status").GetString());
        await stop.WaitAsync(Timeout);
    }

    [Fact]
    public async Task The_event_stream_must_send_again_within_the_refresh_interval_when_nothing_changes()
    {
        await using var dashboard = await StartAsync();
        using var http = Client(dashboard);
        var response = await http.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead);
        using var events = new ServerSentEvents(await response.Content.ReadAsStreamAsync());
        var first = JsonDocument.Parse((await events.NextAsync(Timeout))!.Data).RootElement;

        var clock = Stopwatch.StartNew();
        var again = JsonDocument.Parse((await events.NextAsync(Timeout))!.Data).RootElement;

        // Unchanged but for the ages, so that the page's "s ago" keeps counting while the run waits.
        Assert.InRange(clock.Elapsed, TrainingDashboard.RefreshInterval * 0.5, TrainingDashboard.RefreshInterval * 5);
        Assert.Equal(0, again.GetProperty("epochs").GetArrayLength());
        Assert.True(again.GetProperty("workers")[0].GetProperty("last_shard_ago_s").GetDouble()
                    > first.GetProperty("workers")[0].GetProperty("last_shard_ago_s").GetDouble());
    }

    [Fact]
    public async Task Metrics_must_be_the_Prometheus_text_of_the_training_meter()
    {
        await using var dashboard = await StartAsync();
        using var http = Client(dashboard);

        var response = await http.GetAsync("/metrics");
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var lines = text.Split('\n');
        Assert.Contains("# TYPE dpt_training_steps_total counter", lines);
        Assert.Contains("dpt_training_steps_total 40", lines);
        Assert.Contains("dpt_training_samples_total 2560", lines);
        Assert.Contains("dpt_training_worker_samples_total{worker=\"worker-2\"} 1280", lines);
        Assert.Contains("# TYPE dpt_training_step_duration_seconds histogram", lines);
        Assert.Contains("dpt_training_step_duration_seconds_bucket{le=\"0.0025\"} 40", lines); // every step took 2 ms
        Assert.Contains("dpt_training_step_duration_seconds_bucket{le=\"0.001\"} 0", lines);
        Assert.Contains("dpt_training_step_duration_seconds_count 40", lines);
        Assert.Contains("dpt_training_step_phase_duration_seconds_count{phase=\"communication\"} 40", lines);
        Assert.Contains("dpt_training_epoch 1", lines);
        Assert.Contains("dpt_training_loss{set=\"train\"} 0.6", lines);
        Assert.Contains("dpt_training_accuracy_ratio{set=\"test\"} 0.9", lines);
        Assert.Contains("dpt_training_workers 2", lines);
        Assert.Contains("# TYPE dpt_training_learning_rate gauge", lines);
    }

    [Fact]
    public async Task A_port_in_use_must_be_the_one_line_option_error()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var e = await Assert.ThrowsAsync<InvalidOptionException>(() => TrainingDashboard.StartAsync(DashboardOptions.Parse($"127.0.0.1:{port}"), CancellationToken.None));

        Assert.Equal("--dashboard", e.Option);
        Assert.StartsWith($"--dashboard: '127.0.0.1:{port}' is not valid; cannot listen there: ", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }
}
