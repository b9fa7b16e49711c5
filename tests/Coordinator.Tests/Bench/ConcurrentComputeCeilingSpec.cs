// The concurrent compute ceiling: N threads computing their shards of one batch at once, each on its own
// model, as the reference for how far a worker count falls short of what the cores can do together.
using Dpt.Coordinator.Bench;

namespace Dpt.Coordinator.Tests.Bench;

public sealed class ConcurrentComputeCeilingSpec
{
    [Theory]
    [InlineData(2, 16)]
    [InlineData(3, 10)] // shards of 4, 3 and 3
    public void Must_be_a_positive_rate_for_shards_that_cover_the_batch(int threads, int batch)
    {
        double rate = LocalBenchmark.ConcurrentComputeCeiling(new BenchOptions(threads, Batch: batch), threads, steps: 5);

        Assert.True(double.IsFinite(rate) && rate > 0, $"rate {rate}");
    }

    [Fact]
    public void More_threads_than_samples_must_be_refused_by_name()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LocalBenchmark.ConcurrentComputeCeiling(new BenchOptions(4, Batch: 3), 4, steps: 5));

        Assert.Equal("threads", e.ParamName);
        Assert.Contains("3 samples", e.Message);
    }

    [Fact]
    public void No_threads_must_be_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LocalBenchmark.ConcurrentComputeCeiling(new BenchOptions(1), 0));
    }
}
