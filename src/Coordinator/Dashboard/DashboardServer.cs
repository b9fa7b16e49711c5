// The dashboard's web server: Kestrel with minimal APIs, serving the page (from embedded resources, Chart.js
// included: nothing comes from a network), the JSON endpoints, the live event stream and /metrics. Requests
// read the state under its lock and serialise outside it; nothing here touches the training actors.
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dpt.Coordinator.Dashboard.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dpt.Coordinator.Dashboard;

internal sealed class DashboardServer : IAsyncDisposable
{
    /// <summary>Points of the per-step curves in each event of /api/events and by default in /api/steps.</summary>
    public const int DefaultPoints = 500;

    /// <summary>The most points /api/steps gives.</summary>
    public const int MaxPoints = 5000;

    private readonly WebApplication _app;
    private readonly DashboardState _state;

    private DashboardServer(WebApplication app, DashboardState state, Uri url) => (_app, _state, Url) = (app, state, url);

    /// <summary>Where the page is: "http://127.0.0.1:PORT/", with the port actually bound.</summary>
    public Uri Url { get; }

    /// <summary>Binds <paramref name="address"/>:<paramref name="port"/> (0 picks a free port) and starts serving.</summary>
    /// <param name="scrape">The metrics as they stand, for /metrics.</param>
    /// <param name="interval">The least time between two events of one /api/events stream.</param>
    /// <param name="refresh">The most time between two events while nothing changes, so that the ages shown keep counting.</param>
    /// <exception cref="IOException">The address cannot be bound (in use, not this machine's, not allowed).</exception>
    public static async Task<DashboardServer> StartAsync(IPAddress address, int port, DashboardState state, Func<IReadOnlyList<MetricFamily>> scrape,
        TimeSpan interval, TimeSpan refresh, CancellationToken cancellation)
    {
        if (refresh <= interval) throw new ArgumentOutOfRangeException(nameof(refresh), refresh, $"must be longer than the interval, {interval}");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders(); // stdout belongs to the progress display or --json
        builder.Services.AddSingleton<IHostLifetime, Remoting.KestrelListener.NoLifetime>(); // Ctrl-C is the command line's, not the server's
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, port);
        });
        var app = builder.Build();
        Map(app, state, scrape, interval, refresh);
        await app.StartAsync(cancellation);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                    ?? throw new InvalidOperationException("Kestrel did not report the address it bound");
        return new DashboardServer(app, state, new Uri(bound.Replace("://[::]", "://[::1]").Replace("://0.0.0.0", "://127.0.0.1").TrimEnd('/') + "/"));
    }

    private static void Map(WebApplication app, DashboardState state, Func<IReadOnlyList<MetricFamily>> scrape, TimeSpan interval, TimeSpan refresh)
    {
        app.Use((context, next) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return next(context);
        });
        app.MapGet("/", () => Results.Text(DashboardPage.Html, "text/html; charset=utf-8"));
        app.MapGet("/dashboard.js", () => Results.Text(DashboardPage.Script, "text/javascript; charset=utf-8"));
        app.MapGet("/chart.umd.min.js", () => Results.Text(DashboardPage.ChartJs, "text/javascript; charset=utf-8"));
        app.MapGet("/api/run", () => Json(state.Run()));
        app.MapGet("/api/epochs", () => Json(state.Epochs()));
        // Taken as text, so that "max=abc" gets the same one-line answer as "max=0" rather than an empty 400.
        app.MapGet("/api/steps", (string? last, string? max) =>
        {
            long? lastSteps = last is null ? null : long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out long l) && l >= 1 ? l : -1;
            int? maxPoints = max is null ? null : int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out int m) && m is >= 1 and <= MaxPoints ? m : -1;
            if (lastSteps == -1) return Problem("last", last!, "a number of steps of at least 1");
            if (maxPoints == -1) return Problem("max", max!, $"a number of points from 1 to {MaxPoints}");
            return Json(state.Steps(lastSteps, maxPoints ?? DefaultPoints));
        });
        app.MapGet("/api/workers", () => Json(state.Workers()));
        app.MapGet("/api/events", (CancellationToken aborted) => TypedResults.ServerSentEvents(Updates(state, interval, refresh, aborted), "update"));
        app.MapGet("/metrics", () => Results.Text(PrometheusText.Write(scrape()), PrometheusText.ContentType));
    }

    private static IResult Json<T>(T value) => Results.Json(value, DashboardJson.Options);

    private static IResult Problem(string parameter, string value, string accepted) =>
        Results.Text($"{parameter}: '{value}' is not valid; expected {accepted}\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);

    /// <summary>
    /// One stream's events: everything at once, then after each change (no more often than <paramref name="interval"/>,
    /// and at least every <paramref name="refresh"/> even without one) the run, the new epochs, the steps and the workers.
    /// It ends once the state is closed and its last version sent.
    /// </summary>
    private static async IAsyncEnumerable<string> Updates(DashboardState state, TimeSpan interval, TimeSpan refresh,
        [EnumeratorCancellation] CancellationToken aborted)
    {
        int epochsSent = 0;
        while (!aborted.IsCancellationRequested)
        {
            var (update, seen, closed) = state.Update(epochsSent, DefaultPoints);
            epochsSent = update.EpochsFrom + update.Epochs.Count;
            yield return JsonSerializer.Serialize(update, DashboardJson.Options);
            if (closed) yield break;
            try
            {
                await Task.Delay(interval, aborted);
                await state.WhenChangedAsync(seen, aborted).WaitAsync(refresh - interval, aborted);
            }
            catch (TimeoutException)
            {
                // Nothing changed, but the ages (since the last shard, the last heartbeat) and the elapsed time did.
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    /// <summary>Closes the state (each event stream sends its last update and ends), then stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        _state.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // A client that does not read its stream is cut off: the run is over either way.
        }
        await _app.DisposeAsync();
    }
}
