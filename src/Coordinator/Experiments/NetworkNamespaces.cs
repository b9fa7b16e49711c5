// Network namespaces for a run's worker processes, so that one machine measures traffic over links that are not
// loopback: worker k runs in a namespace of its own, joined by a veth pair to a hub, its default route through
// it. The hub is this process's own namespace (dpt experiment scale --link, whose coordinator runs here) or a
// namespace of its own (the multi-host spec, which starts the coordinator as a process there). Both veth ends
// can be shaped by a tc tbf qdisc, which limits each direction of the link to the rate. It emulates no latency:
// this machine's kernel has no netem qdisc, so that is the transport's send delay. Needs root and iproute2.
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Dpt.Coordinator.Experiments;

/// <summary>The namespaces and veth pairs of one run, deleted on <see cref="Dispose"/> (and at this program's exit,
/// should that come first) with any process still in them.</summary>
public sealed partial class NetworkNamespaces : IDisposable
{
    public static readonly string? Ip = Find("ip");
    public static readonly string? Tc = Find("tc");

    /// <summary>Our namespaces' names: dpt-PID-ID-hub, dpt-PID-ID-wK (and -probe), PID being this process's, so that
    /// a later run can tell those of a run that was killed before it could delete them.</summary>
    [GeneratedRegex(@"^dpt-(\d+)-[0-9a-f]{4}-(hub|probe|w\d+)$")]
    private static partial Regex OurName();

    private readonly string _id = $"{Environment.ProcessId}-{Convert.ToHexString(Guid.NewGuid().ToByteArray())[..4].ToLowerInvariant()}";
    private readonly string _short;
    private readonly int _subnet;
    private readonly List<string> _namespaces = new();
    private readonly List<string> _hubLinks = new();
    private readonly EventHandler _deleteAtExit;
    private bool _disposed;

    private NetworkNamespaces(bool ownHub, int subnet)
    {
        _short = _id[^4..];
        _subnet = subnet;
        Hub = ownHub ? $"dpt-{_id}-hub" : null;
        _deleteAtExit = (_, _) => Dispose();
        AppDomain.CurrentDomain.ProcessExit += _deleteAtExit;
    }

    /// <summary>The hub's namespace; null when it is this process's own.</summary>
    public string? Hub { get; }

    /// <summary>Every namespace made, in the order made.</summary>
    public IReadOnlyList<string> Names => _namespaces;

    /// <summary>Namespaces of earlier runs whose process is gone, deleted before this one was made.</summary>
    public IReadOnlyList<string> Stale { get; private set; } = [];

    /// <summary>Worker <paramref name="k"/>'s namespace (k from 1).</summary>
    public string Worker(int k) => $"dpt-{_id}-w{k}";

    /// <summary>The hub's address facing worker <paramref name="k"/>: 10.S.(k-1).1.</summary>
    public string HubAddress(int k) => $"10.{_subnet}.{k - 1}.1";

    /// <summary>Worker <paramref name="k"/>'s own address, 10.S.(k-1).2; the hub's other addresses are routed through it.</summary>
    public string WorkerAddress(int k) => $"10.{_subnet}.{k - 1}.2";

    /// <summary>The command prefix that runs a program in namespace <paramref name="name"/>.</summary>
    public IReadOnlyList<string> Exec(string name) => [Ip!, "netns", "exec", name];

    /// <summary>Why namespaces cannot be made here, in a phrase; null when they can.</summary>
    public static string? Unavailable() => Unavailable(OperatingSystem.IsLinux(), OperatingSystem.IsLinux() ? EffectiveUid() : -1, Ip, Probe);

    internal static string? Unavailable(bool linux, int uid, string? ip, Func<string?> probe)
    {
        if (!linux) return "network namespaces are Linux only";
        if (uid != 0) return $"creating network namespaces needs root, and this process runs as uid {uid}";
        if (ip is null) return "the ip command (iproute2) is not installed";
        return probe() is { } error ? $"ip netns add failed: {error}" : null;
    }

    /// <summary>
    /// Makes the namespaces of <paramref name="workers"/> workers, each linked to the hub by a veth pair and, with
    /// <paramref name="bitsPerSecond"/>, shaped to that rate each way. Throws <see cref="InvalidOperationException"/>
    /// naming the command that failed, having deleted what it made.
    /// </summary>
    public static NetworkNamespaces Create(int workers, double? bitsPerSecond = null, bool ownHub = false)
    {
        if (workers is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(workers), workers, "from 1 to 256 worker namespaces");
        if (Ip is null) throw new InvalidOperationException("the ip command (iproute2) is not installed");
        if (bitsPerSecond is not null && Tc is null) throw new InvalidOperationException("the tc command (iproute2) is not installed, so the rate cannot be shaped");
        var stale = DeleteStale();
        // In this process's namespace the subnet must not be in use already (by this machine or another run's hub).
        var namespaces = new NetworkNamespaces(ownHub, ownHub ? 77 : FreeSubnet()) { Stale = stale };
        try
        {
            namespaces.Make(workers, bitsPerSecond);
            return namespaces;
        }
        catch
        {
            namespaces.Dispose();
            throw;
        }
    }

    private void Make(int workers, double? bitsPerSecond)
    {
        string[] InHub(params string[] args) => Hub is null ? args : ["-n", Hub, .. args];
        if (Hub is not null)
        {
            Add(Hub);
            Must(Ip!, ["-n", Hub, "link", "set", "lo", "up"]);
            // Worker to worker through the hub, as between hosts behind one router.
            Must(Ip!, ["netns", "exec", Hub, "sysctl", "-qw", "net.ipv4.ip_forward=1"]);
        }
        for (int k = 1; k <= workers; k++)
        {
            string worker = Worker(k), near = $"dpt{_short}h{k}", far = $"dpt{_short}w{k}";
            Add(worker);
            Must(Ip!, ["-n", worker, "link", "set", "lo", "up"]);
            Must(Ip!, ["link", "add", near, .. Hub is null ? Array.Empty<string>() : ["netns", Hub], "type", "veth", "peer", "name", far, "netns", worker]);
            _hubLinks.Add(near);
            Must(Ip!, InHub("addr", "add", $"{HubAddress(k)}/24", "dev", near));
            Must(Ip!, InHub("link", "set", near, "up"));
            Must(Ip!, ["-n", worker, "addr", "add", $"{WorkerAddress(k)}/24", "dev", far]);
            Must(Ip!, ["-n", worker, "link", "set", far, "up"]);
            Must(Ip!, ["-n", worker, "route", "add", "default", "via", HubAddress(k)]);
            if (bitsPerSecond is { } rate)
            {
                Must(Tc!, [.. Hub is null ? Array.Empty<string>() : ["-n", Hub], .. Tbf(near, rate)]);
                Must(Tc!, ["-n", worker, .. Tbf(far, rate)]);
            }
        }
    }

    /// <summary>A token bucket on <paramref name="device"/>'s egress. The bucket holds a millisecond at the rate (at least
    /// 32 KiB, a few GSO segments, which tbf splits when larger); the queue may hold 100 ms more before it drops.</summary>
    private static string[] Tbf(string device, double bitsPerSecond)
    {
        long burst = Math.Max(32 << 10, (long)(bitsPerSecond / 8 / 1000));
        return ["qdisc", "add", "dev", device, "root", "tbf", "rate", $"{(long)bitsPerSecond}bit", "burst", Num(burst), "latency", "100ms"];
    }

    private void Add(string name)
    {
        Must(Ip!, ["netns", "add", name]);
        _namespaces.Add(name);
    }

    /// <summary>Null when a namespace can be made and deleted, else what ip said.</summary>
    private static string? Probe()
    {
        string name = $"dpt-{Environment.ProcessId}-{Convert.ToHexString(Guid.NewGuid().ToByteArray())[..4].ToLowerInvariant()}-probe";
        var (code, output) = Run(Ip!, ["netns", "add", name]);
        if (code != 0) return output.Trim();
        Run(Ip!, ["netns", "delete", name]);
        return null;
    }

    /// <summary>Deletes the namespaces left by runs of this program that were killed (their process is gone).</summary>
    private static IReadOnlyList<string> DeleteStale()
    {
        var stale = new List<string>();
        foreach (string line in Run(Ip!, ["netns", "list"]).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = line.Split(' ')[0]; // "NAME (id: 3)"
            if (OurName().Match(name) is { Success: true } m && !Directory.Exists($"/proc/{m.Groups[1].Value}"))
            {
                DeleteNamespace(name);
                stale.Add(name);
            }
        }
        return stale;
    }

    /// <summary>The first S from 77 to 126 such that no address or route of this namespace is in 10.S.0.0/16.</summary>
    private static int FreeSubnet()
    {
        string used = Run(Ip!, ["-4", "-o", "addr", "show"]).Output + Run(Ip!, ["-4", "route", "show"]).Output;
        for (int s = 77; s <= 126; s++)
            if (!Regex.IsMatch(used, $@"(^|\s)10\.{s}\.", RegexOptions.Multiline)) return s;
        throw new InvalidOperationException("every subnet from 10.77.0.0/16 to 10.126.0.0/16 is in use here");
    }

    /// <summary>Kills what still runs in <paramref name="name"/> (a namespace lives on while a process is in it, and
    /// its veth pairs with it), then deletes it.</summary>
    private static void DeleteNamespace(string name)
    {
        foreach (string pid in Run(Ip!, ["netns", "pids", name]).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                using var process = Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture));
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or System.ComponentModel.Win32Exception)
            {
                // Gone meanwhile.
            }
        }
        Run(Ip!, ["netns", "delete", name]);
    }

    public void Dispose()
    {
        lock (_namespaces)
        {
            if (_disposed) return;
            _disposed = true;
        }
        AppDomain.CurrentDomain.ProcessExit -= _deleteAtExit;
        foreach (string name in Enumerable.Reverse(_namespaces)) DeleteNamespace(name);
        // Deleting a worker's namespace deletes its veth end and with it the peer; this makes sure of it.
        if (Hub is null)
            foreach (string link in _hubLinks)
                Run(Ip!, ["link", "delete", link]);
    }

    private static void Must(string program, string[] args)
    {
        var (code, output) = Run(program, args);
        if (code != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(" ", args)} failed ({code}): {output.Trim()}");
    }

    /// <summary>Runs <paramref name="program"/> to its end; its exit code, and its standard output followed by its standard error.</summary>
    internal static (int Code, string Output) Run(string program, string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error);
    }

    private static string? Find(string name) =>
        new[] { "/usr/sbin", "/sbin", "/usr/bin", "/bin" }.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>The effective uid, from /proc/self/status ("Uid: real effective saved filesystem").</summary>
    private static int EffectiveUid()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return int.Parse(line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);
}
