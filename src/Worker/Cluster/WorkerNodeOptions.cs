// What a dpt-worker process is told on its command line: where the coordinator is and how this node
// takes part in the cluster. The model and the training come from the coordinator at join, so a worker
// cannot train another model than the one the coordinator serves.
using Dpt.Hosting;
using Dpt.Training.Join;

namespace Dpt.Worker.Cluster;

public sealed record WorkerNodeOptions
{
    /// <summary>The coordinator's --listen address, with its host as reachable from this machine.</summary>
    public required HostPort Join { get; init; }

    /// <summary>Listening, name, secret, TLS and membership timings of this node.</summary>
    public required NodeOptions Node { get; init; }

    /// <summary>This worker's own copy of the data set's files (checked against the coordinator's hashes),
    /// or the cache that files received from the coordinator go to.</summary>
    public DatasetFetcherOptions Data { get; init; } = new();

    /// <summary>Worker actors in this process, one thread each. Default 1.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>After being removed from the cluster (say, after a pause the coordinator took for a failure),
    /// join again as a new member; otherwise exit. Default true.</summary>
    public bool Rejoin { get; init; } = true;

    /// <summary>How long to keep trying to reach the coordinator before giving up. Default 60 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
