// Logging of a cluster node's programs: one line per event on standard error (standard output carries
// progress or JSON), the cluster's and the transport's own news at Information, everything else at Warning.
using Microsoft.Extensions.Logging;

namespace Dpt.Hosting;

public static class NodeLogging
{
    public static ILoggerFactory Create(LogLevel level = LogLevel.Warning) => LoggerFactory.Create(builder => builder
        .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
        .AddFilter((category, l) => l >= (category is not null && (category.StartsWith("Dpt.Cluster", StringComparison.Ordinal)
            || category.StartsWith("Dpt.Remoting", StringComparison.Ordinal) || category.StartsWith("dpt", StringComparison.Ordinal)) ? LogLevel.Information : level))
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
}
