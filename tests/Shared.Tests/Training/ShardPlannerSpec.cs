using Dpt.Numerics;
using Dpt.Training;

namespace Dpt.Shared.Tests.Training;

public class ShardPlannerSpec
{
    [Fact]
    public void Equal_weights_must_split_evenly_and_give_the_remainder_to_the_first_workers()
    {
        Assert.Equal([43, 43, 42], ShardPlanner.Split(128, [1.0, 1.0, 1.0]));
        Assert.Equal([64, 64], ShardPlanner.Split(128, [5.0, 5.0]));
    }

    [Fact]
    public void Shares_must_follow_throughput()
    {
        Assert.Equal([96, 32], ShardPlanner.Split(128, [3000.0, 1000.0]));
    }

    [Fact]
    public void Unknown_throughput_must_count_as_the_mean_of_the_known_ones()
    {
        Assert.Equal([64, 64], ShardPlanner.Split(128, [1000.0, 0.0]));
        Assert.Equal([64, 64], ShardPlanner.Split(128, [double.NaN, double.PositiveInfinity]));
    }

    [Fact]
    public void Randomized_splits_must_be_non_negative_sum_exactly_and_stay_within_one_of_the_exact_share()
    {
        var rng = new Rng(7);
        for (int trial = 0; trial < 2000; trial++)
        {
            int n = 1 + rng.NextInt(9);
            int batch = rng.NextInt(1000);
            var w = new double[n];
            for (int i = 0; i < n; i++) w[i] = rng.NextInt(4) == 0 ? 0 : 1 + rng.NextDouble() * 1000;
            var counts = ShardPlanner.Split(batch, w);
            Assert.Equal(batch, counts.Sum());
            Assert.All(counts, c => Assert.True(c >= 0));
            double mean = w.Where(x => x > 0).DefaultIfEmpty(1).Average();
            var eff = w.Select(x => x > 0 ? x : mean).ToArray();
            for (int i = 0; i < n; i++)
                Assert.InRange(counts[i], batch * eff[i] / eff.Sum() - 1, batch * eff[i] / eff.Sum() + 1);
        }
    }

    [Fact]
    public void Invalid_arguments_must_be_rejected_naming_them()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardPlanner.Split(-1, [1.0]));
        Assert.Contains("at least one worker", Assert.Throws<ArgumentException>(() => ShardPlanner.Split(10, [])).Message);
    }
}
