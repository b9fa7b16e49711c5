// Pinning a process to a set of CPUs (dpt-worker --cpus), as `taskset -a` does. On the 2-core VM, two worker
// processes and the coordinator let the scheduler move a worker's threads between the cores; each move leaves the
// parameters the worker's decoder just copied in the other core's cache, where its compute then fetches them line
// by line. A core of its own for each of two workers was faster in nine of twelve alternations of `dpt bench --cluster
// --workers 2 --batch 512` (medians 81,471 against 69,218 samples/s with taskset), by an amount the VM's drift blurs
// (docs/measurements.md); so it is a choice (dpt-worker --cpus, dpt bench --pin-workers), not the default.
using System.Globalization;
using System.Runtime.InteropServices;

namespace Dpt.Hosting;

public static partial class CpuAffinity
{
    /// <summary>Parses a CPU list as taskset and cpuset write it ("0", "0,2", "0-3,6"); false with the reason otherwise.</summary>
    public static bool TryParse(string text, out IReadOnlyList<int> cpus, out string error)
    {
        var set = new SortedSet<int>();
        cpus = [];
        error = "";
        foreach (string raw in text.Split(','))
        {
            string part = raw.Trim();
            var bounds = part.Split('-').Select(b => int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : -1).ToArray();
            if (bounds.Length > 2 || bounds.Contains(-1))
            {
                error = $"'{part}' is not a CPU number or a range of them";
                return false;
            }
            int first = bounds[0], last = bounds[^1];
            if (first > last || last >= MaxCpus)
            {
                error = first > last ? $"the range {part} runs backwards" : $"CPU {last} is beyond {MaxCpus - 1}";
                return false;
            }
            for (int cpu = first; cpu <= last; cpu++) set.Add(cpu);
        }
        cpus = set.ToList();
        return true;
    }

    /// <summary>CPU numbers a mask can hold here.</summary>
    public const int MaxCpus = 1024;

    /// <summary>The CPUs this process may run on (Linux: its affinity mask; elsewhere 0 to the processor count - 1).</summary>
    public static IReadOnlyList<int> Allowed()
    {
        if (!OperatingSystem.IsLinux()) return Enumerable.Range(0, Environment.ProcessorCount).ToList();
        var mask = new ulong[MaxCpus / 64];
        if (SchedGetAffinity(0, mask.Length * sizeof(ulong), mask) != 0) return Enumerable.Range(0, Environment.ProcessorCount).ToList();
        return Enumerable.Range(0, MaxCpus).Where(cpu => (mask[cpu / 64] & (1UL << (cpu % 64))) != 0).ToList();
    }

    /// <summary>Restricts every thread of this process, and so every thread they start later, to <paramref name="cpus"/>.
    /// Throws <see cref="ArgumentException"/> naming the CPUs this process may use when one of them is not among them,
    /// <see cref="PlatformNotSupportedException"/> off Linux.</summary>
    public static void PinProcess(IReadOnlyList<int> cpus)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("pinning to CPUs needs Linux");
        if (cpus.Count == 0) throw new ArgumentException("no CPU given");
        var allowed = Allowed();
        int missing = cpus.FirstOrDefault(cpu => !allowed.Contains(cpu), -1);
        if (missing >= 0) throw new ArgumentException($"CPU {missing} is not one this process may use ({Describe(allowed)})");
        var mask = new ulong[MaxCpus / 64];
        foreach (int cpu in cpus) mask[cpu / 64] |= 1UL << (cpu % 64);
        // Threads started from now on inherit the mask of the thread that starts them; those running already are set one by one.
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
            if (int.TryParse(Path.GetFileName(task), out int tid) && SchedSetAffinity(tid, mask.Length * sizeof(ulong), mask) != 0
                && Marshal.GetLastPInvokeError() is not 3) // ESRCH: the thread ended meanwhile
                throw new IOException($"sched_setaffinity failed for thread {tid} (errno {Marshal.GetLastPInvokeError()})");
    }

    /// <summary>A CPU list in the form <see cref="TryParse"/> reads, ranges folded: "0-3,6".</summary>
    public static string Describe(IReadOnlyList<int> cpus)
    {
        var parts = new List<string>();
        for (int i = 0; i < cpus.Count;)
        {
            int j = i;
            while (j + 1 < cpus.Count && cpus[j + 1] == cpus[j] + 1) j++;
            parts.Add(i == j ? $"{cpus[i]}" : $"{cpus[i]}-{cpus[j]}");
            i = j + 1;
        }
        return string.Join(",", parts);
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nint cpuSetSize, ulong[] mask);

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int SchedGetAffinity(int pid, nint cpuSetSize, ulong[] mask);
}
