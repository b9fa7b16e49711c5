// Debian's chromium, headless, in a fresh profile directory, with nothing that reaches a network on its own
// (no updates, sync or background requests): started with a DevTools port of its choosing, which it writes to
// DevToolsActivePort in the profile, and driven through its first page's DevTools WebSocket. Disposing it kills
// the whole process tree and deletes the profile. It runs as root on CI, hence --no-sandbox.
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Xunit.Sdk;

namespace Dpt.Coordinator.Tests.Dashboard;

internal sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>Where Debian and Ubuntu install it; the environment variable DPT_CHROMIUM names another.</summary>
    public static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

    /// <summary>The lines of its output a failure message ends with: enough for a crash, not its whole D-Bus chatter.</summary>
    private const int OutputLines = 60;

    private readonly Process _process;
    private readonly DirectoryInfo _profile;
    private readonly List<string> _output = new();

    private HeadlessChromium(Process process, DirectoryInfo profile) => (_process, _profile) = (process, profile);

    public DevToolsClient Page { get; private set; } = null!;

    /// <summary>The last lines chromium printed (standard output and error), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return $"--- chromium's last {Math.Min(OutputLines, _output.Count)} of {_output.Count} output lines:\n"
                       + string.Join("\n", _output.TakeLast(OutputLines));
        }
    }

    /// <summary>Starts chromium and connects to its page; fails the test, saying how to install it, if it is not installed.</summary>
    public static async Task<HeadlessChromium> StartAsync(TimeSpan timeout)
    {
        string[] candidates = Environment.GetEnvironmentVariable("DPT_CHROMIUM") is { Length: > 0 } named ? [named] : Candidates;
        string executable = candidates.FirstOrDefault(File.Exists)
            ?? throw new XunitException($"this test needs Chromium, and {string.Join(" and ", candidates)} {(candidates.Length == 1 ? "does" : "do")} not exist: "
                                        + "install it with `apt-get install chromium` (.ci/run does), or name it in DPT_CHROMIUM");
        var profile = Directory.CreateTempSubdirectory("dpt-chromium-");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
                     "--window-size=1400,1800", "--remote-debugging-port=0", $"--user-data-dir={profile.FullName}", "about:blank",
                 })
            start.ArgumentList.Add(a);
        var browser = new HeadlessChromium(new Process { StartInfo = start }, profile);
        try
        {
            browser._process.OutputDataReceived += (_, e) => browser.Append(e.Data);
            browser._process.ErrorDataReceived += (_, e) => browser.Append(e.Data);
            browser._process.Start();
            browser._process.StandardInput.Close();
            browser._process.BeginOutputReadLine();
            browser._process.BeginErrorReadLine();
            browser.Page = await DevToolsClient.ConnectAsync(await browser.PageSocketAsync(timeout), timeout);
            await browser.Page.SendAsync("Runtime.enable");
            await browser.Page.SendAsync("Log.enable");
            await browser.Page.SendAsync("Page.enable");
            return browser;
        }
        catch (Exception e)
        {
            await browser.DisposeAsync();
            throw new XunitException($"{executable} did not start: {e.Message}\n{browser.Output}");
        }
    }

    public Task NavigateAsync(Uri url) => Page.SendAsync("Page.navigate", new { url = url.ToString() });

    /// <summary>Waits until the page at <paramref name="url"/> has loaded with its scripts; while the navigation replaces the
    /// old document an evaluation may fail, which only means asking again.</summary>
    public async Task WaitForLoadAsync(Uri url, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        string expression = $"location.href === {JsonSerializer.Serialize(url.ToString())} && document.readyState === 'complete'";
        while (true)
        {
            try
            {
                if ((await Page.EvaluateAsync(expression)).ValueKind == JsonValueKind.True) return;
            }
            catch (XunitException) when (clock.Elapsed < timeout)
            {
            }
            if (clock.Elapsed > timeout) throw new XunitException($"{url} did not load within {timeout.TotalSeconds:F0} s\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>The WebSocket of the browser's first page, once DevToolsActivePort names its port.</summary>
    private async Task<Uri> PageSocketAsync(TimeSpan timeout)
    {
        string file = Path.Combine(_profile.FullName, "DevToolsActivePort");
        var clock = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        while (true)
        {
            if (_process.HasExited) throw new XunitException($"chromium exited with {_process.ExitCode} before it listened");
            if (clock.Elapsed > timeout) throw new XunitException($"chromium wrote no DevToolsActivePort within {timeout.TotalSeconds:F0} s");
            // Written whole once the port is open, but read it as possibly half-written.
            string[] lines = File.Exists(file) ? await File.ReadAllLinesAsync(file) : [];
            if (lines.Length >= 2 && int.TryParse(lines[0], out int port))
            {
                var targets = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list")).RootElement;
                if (targets.EnumerateArray().FirstOrDefault(t => t.GetProperty("type").GetString() == "page") is { ValueKind: JsonValueKind.Object } page)
                    return new Uri(page.GetProperty("webSocketDebuggerUrl").GetString()!);
            }
            await Task.Delay(50);
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (Page is not null) await Page.DisposeAsync();
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // It never started, or will not die: the profile goes anyway.
        }
        _process.Dispose();
        // The renderers killed with it may still be closing files in the profile for a moment. A profile that
        // outlives two seconds of this is left in the temporary directory rather than hide the test's own failure.
        for (int attempt = 1; attempt <= 20 && Directory.Exists(_profile.FullName); attempt++)
        {
            try
            {
                _profile.Delete(recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await Task.Delay(100);
            }
        }
    }
}
