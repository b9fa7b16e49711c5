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

    /// <summary>How long a worker's thread spins when it has sent its gradients, before it blocks to wait for the next
    /// parameters (<see cref="Dpt.Actors.ActorSystemSettings.PinnedSpinDuration"/>). Default <see cref="DefaultIdleSpin"/>.</summary>
    public TimeSpan IdleSpin { get; init; } = DefaultIdleSpin;

    /// <summary>1 ms. A blocked thread takes 20-50 µs to wake on the 2-core VM this was measured on, per message of the
    /// next step's parameters; a spinning one sees them at once, and offers its core to other threads every 10 µs.
    /// Alternated four times with 0 (dpt bench --cluster --workers 1,2 --batch 512): two worker processes' communication
    /// per step 0.82-0.91 ms against 1.16-1.37 ms, 84,892-89,856 samples/s against 69,978-83,739.</summary>
    public static readonly TimeSpan DefaultIdleSpin = TimeSpan.FromMilliseconds(1);

    /// <summary>How long to keep trying to reach the coordinator before giving up. Default 60 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
