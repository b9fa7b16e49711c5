// The dashboard's page in a real browser (headless Chromium over the DevTools protocol) while a real dpt train
// runs in cluster mode, with a worker in its process and a dpt-worker process: the four charts have data points
// that Chart.js laid out and painted in their colours, the epochs drawn are the ones /api/epochs gives, the
// workers table has both workers with their addresses, states and heartbeats, the page keeps updating, and
// nothing on it failed (no uncaught exception, no error logged, e.g. a script that did not load).
using System.Diagnostics;
using System.Text.Json;
using Dpt.Coordinator.Tests.Cli;
using Dpt.Coordinator.Tests.Cluster;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Dpt.Coordinator.Tests.Dashboard;

[Collection(DptProcesses.Name)]
public sealed class DashboardPageSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>What the page shows: per chart each dataset's points and laid-out elements, pixels in each chart's first colour, the workers table.</summary>
    private const string Probe = """
        (() => {
          if (typeof Chart === 'undefined' || !window.dashboard) return 'null'; // still loading
          const chart = id => {
            const c = Chart.getChart(id);
            return c.data.datasets.map((d, i) => ({ label: d.label, points: d.data.length, drawn: c.getDatasetMeta(i).data.length,
              first: d.data.length > 0 ? d.data[0] : null, last: d.data.length > 0 ? d.data[d.data.length - 1] : null }));
          };
          // Pixels within a few levels of the first dataset's colour: its line (and its legend box, shown only with data).
          const painted = id => {
            const canvas = document.getElementById(id);
            const [r, g, b] = Chart.getChart(id).data.datasets[0].borderColor.match(/[0-9a-f]{2}/gi).map(h => parseInt(h, 16));
            const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let n = 0;
            for (let i = 0; i < px.length; i += 4)
              if (px[i + 3] > 200 && Math.abs(px[i] - r) < 12 && Math.abs(px[i + 1] - g) < 12 && Math.abs(px[i + 2] - b) < 12) n++;
            return n;
          };
          const ids = { loss: 'loss-chart', accuracy: 'accuracy-chart', steps: 'step-loss-chart', split: 'split-chart' };
          const result = { updates: window.dashboard.updates, status: document.body.dataset.status, title: document.getElementById('title').textContent,
            charts: {}, painted: {},
            workers: [...document.querySelectorAll('#workers tbody tr')].map(row => [...row.cells].map(cell => cell.textContent)) };
          for (const [name, id] of Object.entries(ids)) { result.charts[name] = chart(id); result.painted[name] = painted(id); }
          return JSON.stringify(result);
        })()
        """;

    private sealed record Dataset(string Label, int Points, int Drawn, JsonElement? First, JsonElement? Last);

    private sealed record PageState(int Updates, string Status, string Title, Dictionary<string, Dataset[]> Charts, Dictionary<string, int> Painted,
        string[][] Workers);

    /// <summary>The columns of the workers table.</summary>
    private const int Name = 0, Address = 1, State = 2, SamplesPerS = 3, Share = 5, LastShard = 8, LastHeartbeat = 9;

    /// <summary>What the page shows, or null while it loads.</summary>
    private static async Task<PageState?> ProbeAsync(HeadlessChromium browser)
    {
        var value = await browser.Page.EvaluateAsync(Probe);
        return JsonSerializer.Deserialize<PageState>(value.GetString()!, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
    }

    /// <summary>Two epochs on the epoch charts (a line, not only a point), steps on the others, and both workers at work.</summary>
    private static bool Complete(PageState? p) =>
        p is not null && p.Charts["loss"][0].Points >= 2 && p.Charts["loss"][1].Points >= 2 && p.Charts["accuracy"][0].Points >= 2
        && p.Charts["accuracy"][1].Points >= 2 && p.Charts["steps"][0].Points >= 10 && p.Charts["split"].All(d => d.Points >= 10)
        && p.Workers.Length == 2 && p.Workers.All(row => row[State] == "up" && row[SamplesPerS] != "0");

    [Fact]
    public async Task The_page_must_draw_the_curves_the_split_and_the_workers_of_a_running_training_and_keep_updating()
    {
        var clock = Stopwatch.StartNew();
        await using var browser = await HeadlessChromium.StartAsync(Timeout);
        using var cluster = await ClusterProcesses.StartAsync(output,
            [.. ClusterTrainingSpec.Blobs, "--epochs", "100000", "--workers", "1", "--min-workers", "2", "--dashboard", "127.0.0.1:0"]);
        using var dashboard = await DashboardClient.OfAsync(cluster.Coordinator, Timeout);
        await browser.NavigateAsync(dashboard.Url);
        await browser.WaitForLoadAsync(dashboard.Url, Timeout);
        cluster.StartWorker();
        string Snapshot(PageState? page) =>
            $"{JsonSerializer.Serialize(page)}\n{cluster.Coordinator.Snapshot()}\n{string.Join("\n", browser.Page.Errors)}\n{browser.Output}";

        PageState? page;
        while (!Complete(page = await ProbeAsync(browser)))
        {
            if (clock.Elapsed > Timeout || cluster.Coordinator.HasExited)
                throw new XunitException($"the page did not show the run within {Timeout.TotalSeconds:F0} s: {Snapshot(page)}");
            await Task.Delay(100);
        }
        Assert.NotNull(page);
        output.WriteLine($"page complete after {clock.Elapsed.TotalSeconds:F1} s (chromium, dpt, dpt-worker and two epochs), {page.Updates} updates");

        Assert.Equal("training", page.Status);
        Assert.Equal("dpt train: [2-16-4] relu softmax-cross-entropy on blobs (cluster mode)", page.Title);
        // Chart.js laid out an element for every point, and painted each chart's first series.
        foreach (var (name, datasets) in page.Charts)
        {
            Assert.All(datasets.Where(d => d.Points > 0), d => Assert.True(d.Drawn == d.Points, $"{name}/{d.Label}: {d.Points} points, {d.Drawn} laid out"));
            Assert.True(page.Painted[name] > 50, $"{name}: only {page.Painted[name]} pixels in its first series' colour");
        }
        Assert.Equal(["train loss", "test loss", "validation loss"], page.Charts["loss"].Select(d => d.Label));
        Assert.Equal(0, page.Charts["loss"][2].Points); // blobs has no validation set
        Assert.Equal(["compute", "waiting for stragglers", "optimizer", "communication"], page.Charts["split"].Select(d => d.Label));

        // The curves are the run's: epoch 1 as /api/epochs gives it.
        var epoch1 = (await dashboard.JsonAsync("api/epochs"))[0];
        Assert.Equal(1, page.Charts["loss"][0].First!.Value.GetProperty("x").GetInt32());
        Assert.Equal(epoch1.GetProperty("train_loss").GetDouble(), page.Charts["loss"][0].First!.Value.GetProperty("y").GetDouble());
        Assert.Equal(100 * epoch1.GetProperty("test_accuracy").GetDouble(), page.Charts["accuracy"][1].First!.Value.GetProperty("y").GetDouble(), 9);

        // The worker in this process, and the dpt-worker under its node's address, with a heartbeat within the last
        // few of its 200 ms intervals (a loaded machine may delay a few).
        var local = Assert.Single(page.Workers, row => row[Name] == "worker-1");
        Assert.Equal(["in process", "up", "50.00%", "–"], new[] { local[Address], local[State], local[Share], local[LastHeartbeat] });
        var remote = Assert.Single(page.Workers, row => row[Name] != "worker-1");
        Assert.Matches(@"^127\.0\.0\.1:\d+/worker-1$", remote[Name]);
        Assert.Equal(remote[Name][..remote[Name].LastIndexOf('/')], remote[Address]);
        Assert.Equal(["up", "50.00%"], new[] { remote[State], remote[Share] }); // --balance equal
        Assert.Matches(@"^[0-2]\.\d s ago$", remote[LastHeartbeat]);
        Assert.All(page.Workers, row =>
        {
            Assert.Matches(@"^[1-9][\d,]*$", row[SamplesPerS]);
            Assert.EndsWith(" s ago", row[LastShard]);
        });

        // Live: more events arrive and the step curve moves on.
        double lastStep = page.Charts["steps"][0].Last!.Value.GetProperty("x").GetDouble();
        PageState later;
        var wait = Stopwatch.StartNew();
        while ((later = (await ProbeAsync(browser))!).Updates <= page.Updates + 2
               || later.Charts["steps"][0].Last!.Value.GetProperty("x").GetDouble() <= lastStep)
        {
            if (wait.Elapsed > TimeSpan.FromSeconds(20)) throw new XunitException($"the page stopped updating at {later.Updates} events: {Snapshot(later)}");
            await Task.Delay(100);
        }
        Assert.True(later.Charts["loss"][0].Points >= page.Charts["loss"][0].Points);

        Assert.True(browser.Page.Errors.Count == 0, string.Join("\n", browser.Page.Errors));
        output.WriteLine($"done after {clock.Elapsed.TotalSeconds:F1} s");
    }
}
