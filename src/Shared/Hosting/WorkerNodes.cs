// What the coordinator's node and a worker node agree on about the worker node: the role it joins with,
// the metadata key that says how many worker actors it runs, and their names ("worker-1", ...).
namespace Dpt.Hosting;

public static class WorkerNodes
{
    /// <summary>The cluster role worker nodes join with.</summary>
    public const string Role = "worker";

    /// <summary>Join metadata: how many worker actors the node runs ("1" when absent).</summary>
    public const string WorkersKey = "dpt.workers";

    /// <summary>Most worker actors one node may announce.</summary>
    public const int MaxWorkersPerNode = 256;

    /// <summary>The names of a worker node's <paramref name="count"/> worker actors, top-level under /user.</summary>
    public static IEnumerable<string> ActorNames(int count) => Enumerable.Range(1, count).Select(i => $"worker-{i}");
}
