// Logging of a cluster node's programs: one line per event on standard error (standard output carries
// progress or JSON). By default the cluster's and the transport's own news at Information, everything else
// at Warning; --log-level sets one level for every component (debug, to see each actor's and connection's story).
using Microsoft.Extensions.Logging;

namespace Dpt.Hosting;

public static class NodeLogging
{
    /// <param name="everything">The lowest level logged for every category; null for the default above.</param>
    public static ILoggerFactory Create(LogLevel? everything = null) => LoggerFactory.Create(builder => builder
        .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
        .AddFilter((category, l) => l >= (everything ?? DefaultLevel(category)))
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));

    /// <summary>The default's lowest level for <paramref name="category"/>.</summary>
    public static LogLevel DefaultLevel(string? category) =>
        category is not null && (category.StartsWith("Dpt.Cluster", StringComparison.Ordinal) || category.StartsWith("Dpt.Remoting", StringComparison.Ordinal)
                                 || category.StartsWith("dpt", StringComparison.Ordinal))
            ? LogLevel.Information
            : LogLevel.Warning;
}
