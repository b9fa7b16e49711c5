using Dpt.Cluster;

namespace Dpt.Shared.Tests.Cluster;

public class PhiAccrualFailureDetectorSpec
{
    private long _now;

    private PhiAccrualFailureDetector NewDetector(double threshold = 8, int maxSampleSize = 1000, int minStdDeviationMs = 100,
        int acceptablePauseMs = 0, int firstEstimateMs = 200) =>
        new(threshold, maxSampleSize, TimeSpan.FromMilliseconds(minStdDeviationMs), TimeSpan.FromMilliseconds(acceptablePauseMs),
            TimeSpan.FromMilliseconds(firstEstimateMs), () => _now);

    private void Advance(double ms) => _now += (long)(ms * TimeSpan.TicksPerMillisecond);

    private void HeartbeatsEvery(PhiAccrualFailureDetector detector, double ms, int count)
    {
        for (int i = 0; i < count; i++)
        {
            Advance(ms);
            detector.Heartbeat();
        }
    }

    [Fact]
    public void Before_the_first_heartbeat_the_node_must_not_be_judged()
    {
        var detector = NewDetector();
        Advance(1_000_000);
        Assert.False(detector.IsMonitoring);
        Assert.Equal(0.0, detector.Phi());
        Assert.True(detector.IsAvailable);
    }

    [Fact]
    public void The_first_heartbeat_must_seed_the_history_with_the_estimate_plus_and_minus_a_quarter()
    {
        var detector = NewDetector(firstEstimateMs: 200);
        detector.Heartbeat();
        Assert.True(detector.IsMonitoring);
        Assert.Equal(2, detector.SampleCount);
        Assert.Equal(200, detector.MeanMs, 9);
        Assert.Equal(50, detector.StdDeviationMs, 9);
        Assert.True(detector.Phi() < 0.01);
    }

    [Fact]
    public void Phi_must_be_low_with_regular_heartbeats_and_grow_with_silence()
    {
        var detector = NewDetector();
        HeartbeatsEvery(detector, 200, 20);
        Advance(100);
        double soon = detector.Phi();
        Assert.True(soon < 0.5, $"phi {soon} half an interval after a regular heartbeat");
        double previous = soon;
        for (int i = 0; i < 20; i++)
        {
            Advance(50);
            double phi = detector.Phi();
            Assert.True(phi >= previous, $"phi fell from {previous} to {phi} during silence");
            previous = phi;
        }
        Assert.False(detector.IsAvailable, $"phi {previous} after 1.1 s of silence with 200 ms heartbeats");
    }

    [Fact]
    public void An_acceptable_pause_must_be_added_to_the_mean()
    {
        var strict = NewDetector(acceptablePauseMs: 0);
        var lenient = NewDetector(acceptablePauseMs: 1000);
        for (int i = 0; i < 20; i++)
        {
            Advance(200);
            strict.Heartbeat();
            lenient.Heartbeat();
        }
        Advance(1000);
        Assert.False(strict.IsAvailable);
        Assert.True(lenient.IsAvailable, $"phi {lenient.Phi()} after a 1 s pause that is acceptable");
        Assert.True(lenient.Phi() < 1);
    }

    [Fact]
    public void The_min_std_deviation_must_keep_perfectly_regular_heartbeats_from_making_phi_jumpy()
    {
        var floor100 = NewDetector(minStdDeviationMs: 100, maxSampleSize: 10);
        var floor1 = NewDetector(minStdDeviationMs: 1, maxSampleSize: 10);
        for (int i = 0; i < 30; i++) // the starter samples have left the window: the deviation is 0
        {
            Advance(200);
            floor100.Heartbeat();
            floor1.Heartbeat();
        }
        Assert.Equal(0, floor100.StdDeviationMs, 6);
        Advance(230); // 30 ms late
        Assert.True(floor100.IsAvailable, $"phi {floor100.Phi()} 30 ms late with a 100 ms floor");
        Assert.False(floor1.IsAvailable, $"phi {floor1.Phi()} 30 ms late with a 1 ms floor");
    }

    [Fact]
    public void The_sample_window_must_be_bounded()
    {
        var detector = NewDetector(maxSampleSize: 5);
        HeartbeatsEvery(detector, 200, 10);
        Assert.Equal(5, detector.SampleCount);
        HeartbeatsEvery(detector, 100, 5);
        Assert.Equal(100, detector.MeanMs, 6);
    }

    [Fact]
    public void The_first_heartbeat_after_a_silence_must_not_enter_the_history()
    {
        var detector = NewDetector(maxSampleSize: 5);
        HeartbeatsEvery(detector, 200, 10);
        Advance(10_000);
        Assert.False(detector.IsAvailable);
        detector.Heartbeat();
        Assert.Equal(200, detector.MeanMs, 6);
        Assert.True(detector.IsAvailable);
    }

    [Fact]
    public void With_the_default_options_a_dead_node_must_be_suspected_about_1_7_s_after_its_last_heartbeat()
    {
        // README.md quotes this: 200 ms heartbeats, 1 s acceptable pause, 100 ms min deviation, threshold 8.
        var options = ClusterOptions.Default;
        var detector = options.NewFailureDetector(() => _now);
        HeartbeatsEvery(detector, 200, 100);
        Advance(1_700);
        Assert.True(detector.IsAvailable, $"phi {detector.Phi()} at 1.70 s");
        Advance(50);
        Assert.False(detector.IsAvailable, $"phi {detector.Phi()} at 1.75 s");
    }

    [Theory]
    [InlineData(100, 100, 10, 0.301)] // at the mean: -log10(1/2)
    [InlineData(200, 100, 50, 1.64)]  // 2 deviations late: the normal tail is 0.0228
    [InlineData(130, 100, 10, 2.87)]  // 3 deviations late: the normal tail is 0.00135
    [InlineData(0, 100, 10, 0.0)]     // long before the mean
    public void Phi_must_follow_the_normal_tail_through_the_logistic_approximation(double sinceLastMs, double meanMs, double stdMs, double expected)
    {
        Assert.Equal(expected, PhiAccrualFailureDetector.Phi(sinceLastMs, meanMs, stdMs), 0.1);
    }

    [Fact]
    public void Invalid_parameters_must_be_rejected_by_name()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => NewDetector(maxSampleSize: 1));
        Assert.Equal("maxSampleSize", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => NewDetector(threshold: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => NewDetector(minStdDeviationMs: 0));
    }
}
