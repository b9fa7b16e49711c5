// An analytic model of one synchronous data-parallel step: every worker computes its share of the batch,
// the gradients travel to where they are summed, the optimizer runs and the parameters travel back. It
// models three designs on one network (every node has one full-duplex link of the same bandwidth and
// latency); it does not model congestion, overlap of communication with compute, or hierarchical all-reduce.
namespace Dpt.Coordinator.Experiments;

/// <summary>How the gradients are combined.</summary>
public enum Design
{
    /// <summary>One parameter server: its link carries N gradients in and N parameter sets out each step.</summary>
    SinglePs,
    /// <summary>The parameters split over K parameter-server nodes: each gets 1/K of every gradient.</summary>
    ShardedPs,
    /// <summary>Ring all-reduce: reduce-scatter then all-gather, each 2(N-1) hops in all, 2(N-1)/N of the gradient per worker.</summary>
    RingAllReduce,
}

public enum StragglerKind { None, Lognormal, Exponential }

/// <summary>
/// How much each worker's compute time varies, around a mean that it keeps: lognormal,
/// t·exp(σZ − σ²/2) with Z standard normal; or exponential tail, t·((1 − θ) + θE) with E ~ Exp(1) and θ in [0, 1].
/// </summary>
public sealed record StragglerDistribution
{
    public StragglerDistribution(StragglerKind kind, double spread)
    {
        if (!double.IsFinite(spread) || spread < 0) throw new ArgumentOutOfRangeException(nameof(spread), spread, "the spread must be a finite number >= 0");
        if (kind == StragglerKind.Exponential && spread > 1) throw new ArgumentOutOfRangeException(nameof(spread), spread, "the exponential tail's θ must be in [0, 1]");
        Kind = kind;
        Spread = kind == StragglerKind.None ? 0 : spread;
    }

    public StragglerKind Kind { get; }

    /// <summary>σ of the lognormal, θ of the exponential tail.</summary>
    public double Spread { get; }

    public static readonly StragglerDistribution None = new(StragglerKind.None, 0);

    /// <summary>E[max over <paramref name="workers"/> compute times] / mean compute time: 1 for one worker or no spread.</summary>
    public double ExpectedMaxFactor(int workers)
    {
        if (workers <= 1 || Spread == 0) return 1;
        switch (Kind)
        {
            case StragglerKind.Exponential:
                double harmonic = 0;
                for (int i = 1; i <= workers; i++) harmonic += 1.0 / i;
                return 1 - Spread + Spread * harmonic; // E[max of N Exp(1)] is the N-th harmonic number
            case StragglerKind.Lognormal:
                // E[max] = ∫0^1 Q(v) d(v^N) = ∫0^1 Q(u^(1/N)) du, by the midpoint rule. The upper tail 1 - u^(1/N) is
                // computed without cancellation, so the quantile stays accurate for a thousand workers.
                const int points = 20_000;
                double sum = 0, s = Spread;
                for (int i = 0; i < points; i++)
                {
                    double u = (i + 0.5) / points;
                    double x = Math.Log(u) / workers;
                    double tail = -(Math.Abs(x) < 1e-5 ? x + x * x / 2 + x * x * x / 6 : Math.Exp(x) - 1);
                    double z = tail < 0.5 ? -InverseNormal(tail) : InverseNormal(1 - tail);
                    sum += Math.Exp(s * z - s * s / 2);
                }
                return sum / points;
            default:
                return 1;
        }
    }

    /// <summary>The spread whose expected straggler share at <paramref name="workers"/> is <paramref name="share"/>
    /// (E[max] / mean − 1), for this distribution's kind.</summary>
    public StragglerDistribution Fitted(int workers, double share)
    {
        if (Kind == StragglerKind.None || workers <= 1 || !(share > 0)) return new(Kind, 0);
        double lo = 0, hi = Kind == StragglerKind.Exponential ? 1 : 3;
        if (new StragglerDistribution(Kind, hi).ExpectedMaxFactor(workers) - 1 <= share) return new(Kind, hi);
        for (int i = 0; i < 60; i++)
        {
            double mid = (lo + hi) / 2;
            if (new StragglerDistribution(Kind, mid).ExpectedMaxFactor(workers) - 1 < share) lo = mid;
            else hi = mid;
        }
        return new(Kind, (lo + hi) / 2);
    }

    public override string ToString() => Kind switch
    {
        StragglerKind.None => "none",
        StragglerKind.Lognormal => $"lognormal:{Math.Round(Spread, 4).ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        _ => $"exponential:{Math.Round(Spread, 4).ToString(System.Globalization.CultureInfo.InvariantCulture)}",
    };

    /// <summary>Acklam's rational approximation of the standard normal quantile (relative error below 1.2e-9).</summary>
    internal static double InverseNormal(double p)
    {
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        if (p < low)
        {
            double q = Math.Sqrt(-2 * Math.Log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - low) return -InverseNormal(1 - p);
        double r = p - 0.5, t = r * r;
        return (((((a[0] * t + a[1]) * t + a[2]) * t + a[3]) * t + a[4]) * t + a[5]) * r / (((((b[0] * t + b[1]) * t + b[2]) * t + b[3]) * t + b[4]) * t + 1);
    }
}

/// <summary>What a step costs apart from the network. Times in seconds.</summary>
/// <param name="ComputeSecondsPerSample">Forward and backward pass of one sample on one worker.</param>
/// <param name="OptimizerSecondsPerParameter">Averaging and applying the optimizer, per parameter, where the gradients are summed.</param>
/// <param name="AggregateSecondsPerValue">Adding one more incoming gradient value to the sum.</param>
/// <param name="StepOverheadSeconds">Fixed per step: scheduling, wake-ups, the coordinator.</param>
/// <param name="MessageOverheadSeconds">Per message handled: framing, serialisation set-up, dispatch.</param>
public sealed record StepCosts(double ComputeSecondsPerSample, double OptimizerSecondsPerParameter, double AggregateSecondsPerValue,
    double StepOverheadSeconds, double MessageOverheadSeconds, StragglerDistribution Straggler);

/// <summary>The network every node sits on: one full-duplex link each.</summary>
public sealed record Network(double BytesPerSecond, double LatencySeconds)
{
    /// <summary>Threads in one process: no wire, no latency.</summary>
    public static readonly Network InProcess = new(double.PositiveInfinity, 0);
}

public sealed class StepModel(StepCosts costs, Network network, int parameters)
{
    public StepCosts Costs { get; } = costs;
    public Network Network { get; } = network;
    public int Parameters { get; } = parameters;

    /// <summary>One gradient, or one set of parameters, on the wire: 4 bytes per parameter.</summary>
    public double MessageBytes => 4.0 * Parameters;

    /// <summary>The predicted mean step of <paramref name="design"/> with <paramref name="workers"/> workers of
    /// <paramref name="perWorkerBatch"/> samples each; <paramref name="shards"/> is K for <see cref="Design.ShardedPs"/>.</summary>
    public StepSplit Step(Design design, int workers, double perWorkerBatch, int shards = 1)
    {
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), workers, "at least one worker");
        if (shards < 1) throw new ArgumentOutOfRangeException(nameof(shards), shards, "at least one shard");
        double n = workers, p = Parameters, s = MessageBytes, bw = Network.BytesPerSecond, l = Network.LatencySeconds;
        double m = Costs.MessageOverheadSeconds, u = Costs.OptimizerSecondsPerParameter, a = Costs.AggregateSecondsPerValue;
        double compute = Costs.ComputeSecondsPerSample * perWorkerBatch;
        double straggler = compute * (Costs.Straggler.ExpectedMaxFactor(workers) - 1);
        double communication, optimizer;
        switch (design)
        {
            case Design.RingAllReduce when workers == 1:
                // One worker has no one to reduce with: it applies its own gradient.
                communication = 0;
                optimizer = p * u;
                break;
            case Design.RingAllReduce:
                // Reduce-scatter and all-gather: 2(N-1) hops, each sending 1/N of the gradient, and every worker adds
                // (N-1) chunks of P/N values, then applies the optimizer to all P parameters.
                communication = 2 * (n - 1) * (l + m) + 2 * (n - 1) / n * s / bw;
                optimizer = p * u + (n - 1) / n * p * a;
                break;
            default:
                // Push then pull. A server link carries N·S/K each way, a worker link S; each server handles N messages
                // each way and each worker K. The server sums N gradients of P/K values and applies the optimizer to them.
                double k = design == Design.SinglePs ? 1 : shards;
                communication = 2 * (l + Math.Max(n / k, 1) * s / bw) + 2 * Math.Max(n, k) * m;
                optimizer = p / k * u + (n - 1) * p / k * a;
                break;
        }
        return new StepSplit(compute * 1e3, (communication + Costs.StepOverheadSeconds) * 1e3, straggler * 1e3, optimizer * 1e3);
    }

    public static string Name(Design design) => design switch
    {
        Design.SinglePs => "single-ps",
        Design.ShardedPs => "sharded-ps",
        _ => "ring-allreduce",
    };
}
