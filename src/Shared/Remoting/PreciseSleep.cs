// Sleeping until a Stopwatch timestamp to well under a millisecond, for the transport's send delay (experiments
// and tests only). Thread.Sleep takes whole milliseconds and truncates (0.5 ms sleeps 0, 2.7 ms sleeps 2), so on
// Linux and macOS this calls nanosleep, which wakes late by the timer slack only (50 us by default); elsewhere, or
// where libc cannot be called, it sleeps whole milliseconds and yields the core for the rest.
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Dpt.Remoting;

internal static class PreciseSleep
{
    private static bool _nanosleep = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    /// <summary>Returns at or after <paramref name="timestamp"/> (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public static void Until(long timestamp)
    {
        while (true)
        {
            long left = timestamp - Stopwatch.GetTimestamp();
            if (left <= 0) return;
            double seconds = (double)left / Stopwatch.Frequency;
            if (_nanosleep && TryNanosleep(seconds)) continue; // a signal may wake it early: the loop sleeps again
            if (seconds >= 1e-3) Thread.Sleep(TimeSpan.FromSeconds(seconds));
            else Thread.Yield();
        }
    }

    private static bool TryNanosleep(double seconds)
    {
        var request = new Timespec { Seconds = (nint)Math.Floor(seconds), Nanoseconds = (nint)((seconds - Math.Floor(seconds)) * 1e9) };
        try
        {
            nanosleep(ref request, IntPtr.Zero);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _nanosleep = false;
            return false;
        }
    }

    /// <summary>struct timespec: time_t and long, both the size of a pointer on the 64- and 32-bit ABIs .NET runs on.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    [DllImport("libc")]
    private static extern int nanosleep(ref Timespec request, IntPtr remaining);
}
