// --dashboard HOST:PORT, as dpt train takes it: a live page, JSON endpoints and /metrics served by this process.
using System.CommandLine;
using Dpt.CommandLine;
using Dpt.Coordinator.Dashboard;

namespace Dpt.Coordinator.Cli;

internal static class DashboardCliOptions
{
    public static readonly Option<string?> Address = Create();

    private static Option<string?> Create()
    {
        var option = CliOptions.OptionalString(DashboardOptions.Option,
            "Serve a live dashboard at PORT or HOST:PORT while the run lasts (127.0.0.1 unless a host is given, 0.0.0.0 for every interface; "
            + "port 0 picks a free one; the address is printed): loss and accuracy curves, the workers and the step time split, "
            + "with JSON under /api and Prometheus metrics at /metrics [default: none, no dashboard]");
        option.HelpName = "host:port";
        return option;
    }

    /// <summary>The validated options, or null without --dashboard.</summary>
    public static DashboardOptions? Bind(ParseResult r) => r.GetValue(Address) is { } text ? DashboardOptions.Parse(text) : null;
}
