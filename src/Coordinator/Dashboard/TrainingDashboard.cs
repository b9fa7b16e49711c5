// dpt train --dashboard: the state, the "Dpt.Training" meter and the web server of one run. The command line
// starts it before loading the data, describes the run once it is set up, and hands it every event it reads from
// the coordinator; in cluster mode it also follows membership. It never sends anything to the training actors.
using Dpt.Actors;
using Dpt.Coordinator.Dashboard.Metrics;
using Dpt.Coordinator.Runs;
using Dpt.Coordinator.Training;
using Dpt.Training;

namespace Dpt.Coordinator.Dashboard;

internal sealed class TrainingDashboard : IAsyncDisposable
{
    /// <summary>The least time between two events of one stream: a page redraws about four times a second.</summary>
    public static readonly TimeSpan UpdateInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>The most time between two events of one stream while nothing changes (a run waiting for workers).</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    private readonly TrainingMetrics _metrics;
    private readonly MeterCollector _collector;
    private readonly DashboardServer _server;

    private TrainingDashboard(DashboardState state, TrainingMetrics metrics, MeterCollector collector, DashboardServer server) =>
        (State, _metrics, _collector, _server) = (state, metrics, collector, server);

    public DashboardState State { get; }

    /// <summary>The page's address, with the port actually bound (the loopback's for a wildcard host).</summary>
    public Uri Url => _server.Url;

    /// <summary>Starts serving at <paramref name="options"/>; a host or port it cannot bind is the one-line option error.</summary>
    public static async Task<TrainingDashboard> StartAsync(DashboardOptions options, CancellationToken cancellation)
    {
        var address = options.Address();
        var state = new DashboardState();
        var metrics = new TrainingMetrics();
        var collector = new MeterCollector(metrics.Meter);
        try
        {
            var server = await DashboardServer.StartAsync(address, options.Port, state, () => metrics.Between(collector.Collect),
                UpdateInterval, RefreshInterval, cancellation);
            return new TrainingDashboard(state, metrics, collector, server);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            collector.Dispose();
            metrics.Dispose();
            throw new InvalidOptionException(DashboardOptions.Option, options.Text, $"cannot listen there: {(e.InnerException ?? e).Message}");
        }
    }

    /// <summary>The line the command line prints on standard error.</summary>
    public string Announcement(DashboardOptions options) =>
        $"dashboard at {Url}" + (options.EveryInterface ? $" (listening on every interface, port {Url.Port})" : "");

    /// <summary>Describes the set-up run; <paramref name="cluster"/> says whether workers join over the network.</summary>
    public void Describe(TrainingSetup setup, RunFolder run, bool cluster)
    {
        var o = setup.Options;
        State.Describe(new RunDescription(cluster ? "cluster" : "local", o.Dataset, setup.Model.Spec.ToString(), o.Optimizer.ToString(),
            o.CreateSchedule(o.Epochs).ToString() ?? "", o.BatchSize, o.Epochs, setup.Plan.StepsPerEpoch, setup.Data.Train.Count, setup.Data.Test?.Count,
            setup.Data.Validation?.Count, o.Seed, run.Path, setup.Plan.StartEpoch, o.Workers, cluster ? setup.Plan.MinWorkers : null));
    }

    /// <summary>Follows the cluster's membership (worker nodes up, unreachable, leaving, down) from an actor in <paramref name="system"/>,
    /// and the nodes' heartbeats.</summary>
    public void FollowMembership(ActorSystem system, Dpt.Cluster.Cluster cluster)
    {
        State.FollowHeartbeats(cluster.SinceHeartbeat);
        system.ActorOf(DashboardMembership.Props(cluster, State), "dashboard-membership");
    }

    /// <summary>One of the coordinator's events, as the command line read it.</summary>
    public void Observe(object e)
    {
        State.Apply(e);
        _metrics.Record(e);
    }

    public async ValueTask DisposeAsync()
    {
        State.Abandon("the run stopped before it finished");
        await _server.DisposeAsync();
        _collector.Dispose();
        _metrics.Dispose();
    }
}
