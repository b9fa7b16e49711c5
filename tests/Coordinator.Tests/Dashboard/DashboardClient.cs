// The dashboard of a running dpt process, over HTTP: its address from the "dashboard at URL" line on standard
// error, JSON and /metrics fetched from it, and polling until what it shows satisfies a condition.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dpt.Coordinator.Tests.Cli;
using Xunit.Sdk;

namespace Dpt.Coordinator.Tests.Dashboard;

internal sealed partial class DashboardClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly DptProcess _process;

    private DashboardClient(DptProcess process, Uri url)
    {
        (_process, Url) = (process, url);
        _http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(20) };
    }

    public Uri Url { get; }

    /// <summary>Waits for <paramref name="process"/> to print where its dashboard is.</summary>
    public static async Task<DashboardClient> OfAsync(DptProcess process, TimeSpan timeout)
    {
        var line = await process.WaitForStampedLineAsync(l => DashboardAt().IsMatch(l), timeout, standardError: true);
        return new DashboardClient(process, new Uri(DashboardAt().Match(line.Text).Groups[1].Value));
    }

    public async Task<JsonElement> JsonAsync(string path) => JsonDocument.Parse(await _http.GetStringAsync(path)).RootElement;

    public Task<string> TextAsync(string path) => _http.GetStringAsync(path);

    public Task<HttpResponseMessage> GetAsync(string path, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead) =>
        _http.GetAsync(path, completion);

    /// <summary>Fetches <paramref name="path"/> until <paramref name="condition"/> holds; fails with the last answer and
    /// what the process printed if it never does in <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> WaitForAsync(string path, Func<JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            JsonElement value;
            try
            {
                value = await JsonAsync(path);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                throw new XunitException($"{path} did not answer while waiting for {what}: {e.Message}\n{_process.Snapshot()}");
            }
            if (condition(value)) return value;
            if (clock.Elapsed > timeout || _process.HasExited)
                throw new XunitException($"{path} did not show {what} within {timeout.TotalSeconds:F0} s; last: {value}\n{_process.Snapshot()}");
            await Task.Delay(100);
        }
    }

    /// <summary>The value of the sample <paramref name="sample"/> (name and labels as written) in a /metrics scrape.</summary>
    public static double Sample(string metrics, string sample)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(sample + " ", StringComparison.Ordinal))
                   ?? throw new XunitException($"no sample {sample} in\n{metrics}");
        return double.Parse(line[(sample.Length + 1)..], CultureInfo.InvariantCulture);
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex(@"^dashboard at (http://\S+/)")]
    private static partial Regex DashboardAt();
}
