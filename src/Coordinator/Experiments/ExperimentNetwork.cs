// Where the traffic of a cluster-mode experiment goes. Without --link: loopback. With it, as root: a network
// namespace per worker process, linked to this process's namespace by a veth pair that tc shapes to the rate,
// and in either case the delay added by every node's transport to each message it sends. Where namespaces
// cannot be made it says why and runs on loopback: the delay is still applied there, the rate is not.
using Dpt.Coordinator.Cluster;
using Dpt.Hosting;

namespace Dpt.Coordinator.Experiments;

/// <summary>The network of one experiment, for all its runs; dispose it to delete its namespaces.</summary>
public sealed class ExperimentNetwork : IDisposable
{
    private ExperimentNetwork(LinkEmulation? link, NetworkNamespaces? namespaces, string? fallback) =>
        (Link, Namespaces, Fallback) = (link, namespaces, fallback);

    /// <summary>The link asked for (--link); null for plain loopback.</summary>
    public LinkEmulation? Link { get; }

    /// <summary>The workers' namespaces; null on loopback.</summary>
    public NetworkNamespaces? Namespaces { get; }

    /// <summary>Why the link's namespaces could not be made; null when they were, or when no link was asked for.</summary>
    public string? Fallback { get; }

    /// <summary>The network for <paramref name="workers"/> worker processes at most; <paramref name="notice"/> gets one line
    /// saying what it is (or why it fell back to loopback) when a link was asked for.</summary>
    public static ExperimentNetwork Create(LinkEmulation? link, int workers, Action<string>? notice = null) =>
        Create(link, workers, notice, NetworkNamespaces.Unavailable, () => NetworkNamespaces.Create(workers, link?.BitsPerSecond));

    internal static ExperimentNetwork Create(LinkEmulation? link, int workers, Action<string>? notice, Func<string?> unavailable,
        Func<NetworkNamespaces> create)
    {
        if (link is null) return new ExperimentNetwork(null, null, null);
        string? why = unavailable();
        NetworkNamespaces? namespaces = null;
        if (why is null)
        {
            try
            {
                namespaces = create();
            }
            catch (InvalidOperationException e)
            {
                why = e.Message;
            }
        }
        var network = new ExperimentNetwork(link, namespaces, why);
        if (namespaces is { Stale.Count: > 0 })
            notice?.Invoke($"link: deleted network namespaces left by a run that was killed: {string.Join(", ", namespaces.Stale)}");
        notice?.Invoke(network.Notice);
        return network;
    }

    /// <summary>How long every node holds each message it sends.</summary>
    public TimeSpan SendDelay => Link?.Delay ?? TimeSpan.Zero;

    /// <summary>Where the coordinator listens: loopback, or its address facing worker 1, which every worker's
    /// namespace routes to this one.</summary>
    public HostPort CoordinatorListen => new(Namespaces?.HubAddress(1) ?? "127.0.0.1", 0);

    /// <summary>How to start worker process <paramref name="k"/> (from 1).</summary>
    public WorkerLaunch Launch(int k, string join, string secret) => Namespaces is null
        ? new WorkerLaunch(join, "127.0.0.1:0", secret, SendDelay, SharedMemoryBytes: SharedMemoryBytes)
        : new WorkerLaunch(join, $"{Namespaces.WorkerAddress(k)}:0", secret, SendDelay, Namespaces.Exec(Namespaces.Worker(k)), SharedMemoryBytes);

    /// <summary>The processes' shared-memory rings: off under an emulated link, whose traffic must cross the (emulated)
    /// network even on loopback; null (the default) otherwise.</summary>
    public long? SharedMemoryBytes => Link is null ? null : 0;

    /// <summary>The report's "mode" setting.</summary>
    public string Mode => Namespaces is null
        ? "cluster: every worker a dpt-worker process on this machine, joined over loopback to the coordinator and parameter server in this process"
        : "cluster: every worker a dpt-worker process on this machine in a network namespace of its own, joined over a veth pair to the coordinator and parameter server in this process";

    /// <summary>The report's "link" setting.</summary>
    public string Description
    {
        get
        {
            if (Link is null) return "none: loopback (127.0.0.1)";
            if (Namespaces is null)
                return $"{Link} asked; network namespaces could not be made ({Fallback}), so loopback"
                       + (Link.Delay is { } d ? $", {Delayed(d)}" : "")
                       + (Link.BitsPerSecond is { } r ? $"; the rate {LinkEmulation.FormatRate(r)} was NOT applied" : "");
            return $"{Link}: a network namespace and veth pair per worker process"
                   + (Link.BitsPerSecond is { } rate ? $", both ends shaped to {LinkEmulation.FormatRate(rate)} by tc tbf (so each direction)" : ", not shaped")
                   + (Link.Delay is { } delay ? $"; {Delayed(delay)} (the kernel has no netem)" : "");
        }
    }

    /// <summary>The line for standard error.</summary>
    public string Notice
    {
        get
        {
            if (Link is null) return "link: loopback";
            if (Namespaces is null)
                return $"--link: cannot create network namespaces ({Fallback}); running on loopback"
                       + (Link.Delay is { } d ? $" with {Delayed(d)}" : "")
                       + (Link.BitsPerSecond is { } r ? $"; rate={LinkEmulation.FormatRate(r)} is not applied" : "");
            return $"link: {Link}: worker processes in network namespaces {string.Join(", ", Namespaces.Names)}, each linked to this one by a veth pair"
                   + (Link.BitsPerSecond is { } rate ? $" shaped to {LinkEmulation.FormatRate(rate)} each way" : "")
                   + (Link.Delay is { } delay ? $"; {Delayed(delay)}" : "");
        }
    }

    private static string Delayed(TimeSpan delay) => $"{LinkEmulation.FormatDelay(delay)} added to each message each way by the transport";

    public void Dispose() => Namespaces?.Dispose();
}
