// Facts that send SIGINT (Ctrl-C) to a dpt process, which only means something where the process can
// receive it. xunit 2 cannot skip at run time, so the attribute decides in its constructor.
namespace Dpt.Coordinator.Tests.Cli;

/// <summary>
/// A fact that needs to send SIGINT to a child process that handles it: a process started with SIGINT
/// ignored (in the background by a shell without job control) passes that on to its children, and
/// .NET leaves an ignored SIGINT ignored.
/// </summary>
public sealed class SignalFactAttribute : FactAttribute
{
    public SignalFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "sends SIGINT and reads /proc (Linux)";
        else if (SigIntIgnored())
            Skip = "this test process ignores SIGINT (it was started in the background without job control), and so would dpt";
    }

    private static bool SigIntIgnored()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        ulong mask = Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16);
        return (mask & (1UL << (2 - 1))) != 0;
    }
}
