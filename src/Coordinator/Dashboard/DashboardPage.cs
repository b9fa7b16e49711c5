// The dashboard's page: index.html and dashboard.js, embedded in the dpt assembly at build time (Dashboard/Page),
// and the vendored Chart.js the experiment reports inline. The machine the page runs on may have no network.
using System.Reflection;
using Dpt.Coordinator.Experiments;

namespace Dpt.Coordinator.Dashboard;

internal static class DashboardPage
{
    private static readonly Lazy<string> s_html = new(() => Resource("index.html"));
    private static readonly Lazy<string> s_script = new(() => Resource("dashboard.js"));

    public static string Html => s_html.Value;

    public static string Script => s_script.Value;

    public static string ChartJs => ReportWriter.ChartJs.Value;

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Dpt.Coordinator.Dashboard.{name}")
                           ?? throw new InvalidOperationException($"the dashboard's {name} is missing from the dpt assembly");
        return new StreamReader(stream).ReadToEnd();
    }
}
