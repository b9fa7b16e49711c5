// The phi accrual failure detector of Hayashibara et al. (2004), as Akka implements it: instead of
// a yes/no timeout it gives a suspicion level phi = -log10(P(a heartbeat arrives later than now)),
// from the mean and standard deviation of the recent heartbeat intervals. Pure: the clock is injected.
// It does not send heartbeats; its owner calls Heartbeat() when one arrives.

namespace Dpt.Cluster;

/// <summary>Suspicion that a monitored node is dead, from the history of its heartbeat arrivals.
/// Not thread-safe: one owner (an actor) calls it.</summary>
public sealed class PhiAccrualFailureDetector
{
    private readonly Func<long> _clock;
    private readonly double _acceptablePauseMs;
    private readonly double _minStdDeviationMs;
    private readonly double _firstHeartbeatEstimateMs;
    private readonly double[] _intervals;
    private int _count;
    private int _next;
    private double _sum;
    private double _sumOfSquares;
    private long? _lastTimestamp;

    /// <summary>Creates a detector that has seen no heartbeat yet.</summary>
    /// <param name="threshold">phi above which the node is considered unavailable (Akka: 8; 1 means a
    /// 10% chance of a false suspicion, 2 means 1%, 8 means 1e-8 under the normal model).</param>
    /// <param name="maxSampleSize">how many recent intervals the mean and deviation are computed from.</param>
    /// <param name="minStdDeviation">floor of the standard deviation, so regular heartbeats do not make
    /// phi jump on the first few milliseconds of delay.</param>
    /// <param name="acceptableHeartbeatPause">added to the mean interval: pauses this long (GC, a loaded
    /// machine) raise little suspicion.</param>
    /// <param name="firstHeartbeatEstimate">the interval assumed before any has been measured (the history
    /// starts as two samples, estimate ± estimate/4, as in Akka).</param>
    /// <param name="clock">the current time in <see cref="TimeSpan"/> ticks, monotonic.</param>
    public PhiAccrualFailureDetector(double threshold, int maxSampleSize, TimeSpan minStdDeviation,
        TimeSpan acceptableHeartbeatPause, TimeSpan firstHeartbeatEstimate, Func<long> clock)
    {
        if (!(threshold > 0) || !double.IsFinite(threshold))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "threshold must be a positive finite number");
        if (maxSampleSize < 2) throw new ArgumentOutOfRangeException(nameof(maxSampleSize), maxSampleSize, "maxSampleSize must be at least 2");
        if (minStdDeviation <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(minStdDeviation), minStdDeviation, "minStdDeviation must be positive");
        if (acceptableHeartbeatPause < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(acceptableHeartbeatPause), acceptableHeartbeatPause, "acceptableHeartbeatPause must not be negative");
        if (firstHeartbeatEstimate <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(firstHeartbeatEstimate), firstHeartbeatEstimate, "firstHeartbeatEstimate must be positive");
        ArgumentNullException.ThrowIfNull(clock);
        Threshold = threshold;
        _intervals = new double[maxSampleSize];
        _minStdDeviationMs = minStdDeviation.TotalMilliseconds;
        _acceptablePauseMs = acceptableHeartbeatPause.TotalMilliseconds;
        _firstHeartbeatEstimateMs = firstHeartbeatEstimate.TotalMilliseconds;
        _clock = clock;
    }

    /// <summary>The phi above which <see cref="IsAvailable"/> is false.</summary>
    public double Threshold { get; }

    /// <summary>True once a first heartbeat has arrived; before that the node is not judged (phi 0).</summary>
    public bool IsMonitoring => _lastTimestamp is not null;

    /// <summary>How many intervals the history holds (the two starter samples included).</summary>
    public int SampleCount => _count;

    /// <summary>The mean interval of the history, in milliseconds (0 before the first heartbeat).</summary>
    public double MeanMs => _count == 0 ? 0 : _sum / _count;

    /// <summary>The standard deviation of the history, in milliseconds, before the floor is applied.</summary>
    public double StdDeviationMs => _count == 0 ? 0 : Math.Sqrt(Math.Max(0, _sumOfSquares / _count - MeanMs * MeanMs));

    /// <summary>True while phi is below <see cref="Threshold"/>; always true before the first heartbeat.</summary>
    public bool IsAvailable => Phi() < Threshold;

    /// <summary>Records a heartbeat arriving now. The interval since the previous one joins the history
    /// only if the node was still available: the first heartbeat after a long silence would skew it.</summary>
    public void Heartbeat()
    {
        long now = _clock();
        if (_lastTimestamp is not { } last)
        {
            double deviation = _firstHeartbeatEstimateMs / 4;
            Add(_firstHeartbeatEstimateMs - deviation);
            Add(_firstHeartbeatEstimateMs + deviation);
        }
        else if (PhiAt(now) < Threshold)
        {
            Add(TimeSpan.FromTicks(now - last).TotalMilliseconds);
        }
        _lastTimestamp = now;
    }

    /// <summary>The suspicion level now: 0 before the first heartbeat, then growing with the silence.</summary>
    public double Phi() => PhiAt(_clock());

    private double PhiAt(long now)
    {
        if (_lastTimestamp is not { } last) return 0.0;
        double sinceLastMs = TimeSpan.FromTicks(now - last).TotalMilliseconds;
        return Phi(sinceLastMs, MeanMs + _acceptablePauseMs, Math.Max(StdDeviationMs, _minStdDeviationMs));
    }

    /// <summary>-log10 of the probability that a heartbeat comes later than <paramref name="sinceLastMs"/>
    /// under a normal distribution (<paramref name="meanMs"/>, <paramref name="stdDeviationMs"/>), with
    /// the logistic approximation of its CDF (Bowling et al. 2009), as in Akka.</summary>
    internal static double Phi(double sinceLastMs, double meanMs, double stdDeviationMs)
    {
        double y = (sinceLastMs - meanMs) / stdDeviationMs;
        double e = Math.Exp(-y * (1.5976 + 0.070566 * y * y));
        return sinceLastMs > meanMs
            ? -Math.Log10(e / (1.0 + e))
            : -Math.Log10(1.0 - 1.0 / (1.0 + e));
    }

    private void Add(double intervalMs)
    {
        if (_count == _intervals.Length)
        {
            double oldest = _intervals[_next];
            _sum -= oldest;
            _sumOfSquares -= oldest * oldest;
        }
        else
        {
            _count++;
        }
        _intervals[_next] = intervalMs;
        _next = (_next + 1) % _intervals.Length;
        _sum += intervalMs;
        _sumOfSquares += intervalMs * intervalMs;
    }
}
