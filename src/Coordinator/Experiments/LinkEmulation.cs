// `--link "rate=1gbit,delay=0.5ms"`: the link a cluster-mode experiment emulates between the coordinator and
// each worker process. The rate is shaped by tc in network namespaces (NetworkNamespaces); the delay is the
// transport's send delay, which every node adds to each message it sends (one way), as this kernel has no netem.
using System.Globalization;
using System.Text.RegularExpressions;
using Dpt.Training;

namespace Dpt.Coordinator.Experiments;

/// <summary>A link to emulate: its rate, its delay, or both.</summary>
public sealed partial record LinkEmulation
{
    public const double MinBitsPerSecond = 1e3, MaxBitsPerSecond = 100e9;
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    public const string Accepted =
        "expected rate=<n>kbit|mbit|gbit, delay=<n>us|ms or both, comma-separated, e.g. rate=1gbit,delay=0.5ms (a rate from 1kbit to 100gbit, a delay from 0 to 10000ms)";

    private static readonly (string Unit, double Scale)[] RateUnits = [("kbit", 1e3), ("mbit", 1e6), ("gbit", 1e9)];

    /// <param name="BitsPerSecond">Each direction of each worker's link; null for no shaping.</param>
    /// <param name="Delay">One-way delay of every message; null for none added.</param>
    public LinkEmulation(double? BitsPerSecond, TimeSpan? Delay)
    {
        if (BitsPerSecond is null && Delay is null) throw new ArgumentException("a link emulation needs a rate, a delay or both");
        if (BitsPerSecond is { } r && !(r >= MinBitsPerSecond && r <= MaxBitsPerSecond))
            throw new ArgumentOutOfRangeException(nameof(BitsPerSecond), r, $"a rate from {MinBitsPerSecond} to {MaxBitsPerSecond} bit/s");
        if (Delay is { } d && (d < TimeSpan.Zero || d > MaxDelay))
            throw new ArgumentOutOfRangeException(nameof(Delay), d, $"a delay from 0 to {MaxDelay}");
        (this.BitsPerSecond, this.Delay) = (BitsPerSecond, Delay);
    }

    public double? BitsPerSecond { get; }

    public TimeSpan? Delay { get; }

    [GeneratedRegex(@"^(?<key>[a-z]+)=(?<number>\d+(\.\d+)?)(?<unit>[a-z]+)$", RegexOptions.IgnoreCase)]
    private static partial Regex Part();

    /// <summary>The value of --link; anything else than <see cref="Accepted"/> describes is an <see cref="InvalidOptionException"/>
    /// naming the part at fault.</summary>
    public static LinkEmulation Parse(string text)
    {
        double? rate = null;
        TimeSpan? delay = null;
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var m = Part().Match(part);
            if (!m.Success) throw Invalid(text, part.Length == 0 ? "an empty part" : $"'{part}' is not KEY=NUMBER followed by a unit");
            string key = m.Groups["key"].Value.ToLowerInvariant(), unit = m.Groups["unit"].Value.ToLowerInvariant();
            double number = double.Parse(m.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            switch (key)
            {
                case "rate" when rate is not null:
                case "delay" when delay is not null:
                    throw Invalid(text, $"{key} is given twice");
                case "rate":
                    double scale = RateUnits.FirstOrDefault(u => u.Unit == unit).Scale;
                    if (scale == 0) throw Invalid(text, $"'{unit}' is not a rate unit (kbit, mbit or gbit)");
                    rate = number * scale;
                    if (!(rate >= MinBitsPerSecond && rate <= MaxBitsPerSecond)) throw Invalid(text, $"rate {m.Groups["number"].Value}{unit} is out of range");
                    break;
                case "delay":
                    if (unit is not ("us" or "ms")) throw Invalid(text, $"'{unit}' is not a delay unit (us or ms)");
                    delay = TimeSpan.FromMicroseconds(unit == "ms" ? number * 1e3 : number);
                    if (delay > MaxDelay) throw Invalid(text, $"delay {m.Groups["number"].Value}{unit} is out of range");
                    break;
                default:
                    throw Invalid(text, $"'{key}' is neither rate nor delay");
            }
        }
        return new LinkEmulation(rate, delay);
    }

    /// <summary>As --link takes it: rate=1gbit,delay=0.5ms.</summary>
    public override string ToString() => string.Join(",", new[]
    {
        BitsPerSecond is { } r ? $"rate={FormatRate(r)}" : null,
        Delay is { } d ? $"delay={FormatDelay(d)}" : null,
    }.Where(p => p is not null));

    public static string FormatRate(double bitsPerSecond)
    {
        var (unit, scale) = Enumerable.Reverse(RateUnits).First(u => bitsPerSecond >= u.Scale || u.Unit == "kbit");
        return $"{G(bitsPerSecond / scale)}{unit}";
    }

    public static string FormatDelay(TimeSpan delay) => $"{G(delay.TotalMilliseconds)}ms";

    private static string G(double value) => Math.Round(value, 6).ToString("G", CultureInfo.InvariantCulture);

    private static InvalidOptionException Invalid(string text, string reason) => new("--link", text, $"{Accepted}: {reason}");
}
