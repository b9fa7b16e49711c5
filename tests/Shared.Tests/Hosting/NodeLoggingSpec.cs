// What a node logs: by default the cluster's and the transport's news at Information and the rest at Warning;
// --log-level sets one level for every category.
using Dpt.Hosting;
using Microsoft.Extensions.Logging;

namespace Dpt.Shared.Tests.Hosting;

public sealed class NodeLoggingSpec
{
    [Fact]
    public void By_default_the_cluster_and_the_transport_must_log_their_news_and_the_rest_only_warnings()
    {
        using var factory = NodeLogging.Create();

        Assert.True(factory.CreateLogger("Dpt.Cluster.SeedClusterDaemon").IsEnabled(LogLevel.Information));
        Assert.True(factory.CreateLogger("Dpt.Remoting").IsEnabled(LogLevel.Information));
        Assert.False(factory.CreateLogger("Dpt.Remoting").IsEnabled(LogLevel.Debug));
        Assert.False(factory.CreateLogger("Dpt.Actors").IsEnabled(LogLevel.Information));
        Assert.True(factory.CreateLogger("Dpt.Worker.WorkerActor").IsEnabled(LogLevel.Warning));
        Assert.False(factory.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void A_log_level_must_hold_for_every_category()
    {
        using var debug = NodeLogging.Create(LogLevel.Debug);
        using var errors = NodeLogging.Create(LogLevel.Error);

        foreach (var category in new[] { "Dpt.Actors", "Dpt.Cluster.SeedClusterDaemon", "Microsoft.AspNetCore.Server.Kestrel" })
        {
            Assert.True(debug.CreateLogger(category).IsEnabled(LogLevel.Debug), category);
            Assert.False(debug.CreateLogger(category).IsEnabled(LogLevel.Trace), category);
            Assert.False(errors.CreateLogger(category).IsEnabled(LogLevel.Warning), category);
        }
    }
}
