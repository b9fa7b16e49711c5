// Link rates and durations as typed on the command line: "10Gbit", "1gbit", "100mbit/s", "1.25GB/s";
// "50us", "0.5ms", "2s". A value that does not parse is one InvalidOptionException naming the option.
using System.Globalization;
using Dpt.Training;

namespace Dpt.Coordinator.Experiments;

public static class Units
{
    public const string AcceptedBandwidth = "expected a positive rate with a unit: bit, kbit, mbit, gbit, tbit (per second; also written gbps or gbit/s) or kB/s, MB/s, GB/s, e.g. 10Gbit or 1.25GB/s";
    public const string AcceptedDuration = "expected a duration >= 0 with a unit: ns, us (or µs), ms or s, e.g. 50us or 0.5ms";

    private static readonly (string Suffix, double BytesPerSecond)[] Rates =
    [
        ("tbit", 1e12 / 8), ("gbit", 1e9 / 8), ("mbit", 1e6 / 8), ("kbit", 1e3 / 8), ("bit", 1.0 / 8),
        ("tbps", 1e12 / 8), ("gbps", 1e9 / 8), ("mbps", 1e6 / 8), ("kbps", 1e3 / 8), ("bps", 1.0 / 8),
        ("gb/s", 1e9), ("mb/s", 1e6), ("kb/s", 1e3), ("b/s", 1),
    ];

    private static readonly (string Suffix, double Seconds)[] Durations = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1)];

    /// <summary>A link rate in bytes per second. Bit units are decimal (1 Gbit = 10^9 bits); so are byte units.</summary>
    public static double ParseBandwidth(string option, string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t.EndsWith("/s", StringComparison.Ordinal) && t.Contains("bit", StringComparison.Ordinal)) t = t[..^2]; // 10gbit/s
        foreach (var (suffix, scale) in Rates)
            if (t.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(t[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v > 0)
            {
                // "b/s" alone must not swallow the "b/s" of "gb/s": the longer suffixes come first in Rates, so it cannot.
                return v * scale;
            }
        throw new InvalidOptionException(option, text, AcceptedBandwidth);
    }

    /// <summary>A duration in seconds.</summary>
    public static double ParseDuration(string option, string text)
    {
        string t = text.Trim().ToLowerInvariant();
        foreach (var (suffix, scale) in Durations)
            if (t.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(t[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v >= 0)
                return v * scale;
        throw new InvalidOptionException(option, text, AcceptedDuration);
    }

    /// <summary>A rate as a person writes it: "10 Gbit/s", "800 Mbit/s".</summary>
    public static string FormatBandwidth(double bytesPerSecond)
    {
        double bits = bytesPerSecond * 8;
        return bits >= 1e12 ? $"{G(bits / 1e12)} Tbit/s" : bits >= 1e9 ? $"{G(bits / 1e9)} Gbit/s" : bits >= 1e6 ? $"{G(bits / 1e6)} Mbit/s" : $"{G(bits / 1e3)} kbit/s";
    }

    /// <summary>A duration as a person writes it: "50 us", "0.5 ms", "2 s".</summary>
    public static string FormatDuration(double seconds) =>
        seconds == 0 ? "0" : seconds >= 1 ? $"{G(seconds)} s" : seconds >= 1e-3 ? $"{G(seconds * 1e3)} ms" : seconds >= 1e-6 ? $"{G(seconds * 1e6)} us" : $"{G(seconds * 1e9)} ns";

    private static string G(double value) => Math.Round(value, 4).ToString("G", CultureInfo.InvariantCulture);
}
