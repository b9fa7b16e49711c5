using Dpt.Numerics;

namespace Dpt.Shared.Tests.Numerics;

public class RngSpec
{
    [Fact]
    public void Rng_must_repeat_a_sequence_from_the_same_seed_and_from_a_saved_state()
    {
        var a = new Rng(42);
        var b = new Rng(42);
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
        var saved = a.State;
        var expected = Enumerable.Range(0, 10).Select(_ => a.NextUInt64()).ToArray();
        var restored = new Rng(saved);
        Assert.Equal(expected, Enumerable.Range(0, 10).Select(_ => restored.NextUInt64()).ToArray());
    }

    [Fact]
    public void Rng_streams_of_one_seed_must_differ()
    {
        Assert.NotEqual(new Rng(7, 0).NextUInt64(), new Rng(7, 1).NextUInt64());
        Assert.NotEqual(new Rng(7, 0).NextUInt64(), new Rng(8, 0).NextUInt64());
    }

    [Fact]
    public void NextInt_must_stay_in_range_and_be_roughly_uniform()
    {
        var rng = new Rng(1);
        var counts = new int[7];
        for (int i = 0; i < 70_000; i++) counts[rng.NextInt(7)]++;
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(0));
    }

    [Fact]
    public void Floats_must_be_in_the_unit_interval_and_gaussians_standard()
    {
        var rng = new Rng(3);
        double sum = 0, sumSq = 0;
        const int n = 100_000;
        for (int i = 0; i < n; i++)
        {
            float f = rng.NextSingle();
            Assert.InRange(f, 0f, 0.99999994f);
            double g = rng.NextGaussian();
            sum += g;
            sumSq += g * g;
        }
        Assert.InRange(sum / n, -0.02, 0.02);
        Assert.InRange(sumSq / n, 0.98, 1.02);
    }

    [Fact]
    public void Permutation_must_contain_every_index_once()
    {
        var p = Rng.Permutation(1000, 5, 2);
        Assert.Equal(Enumerable.Range(0, 1000), p.Order());
        Assert.Equal(p, Rng.Permutation(1000, 5, 2));
        Assert.NotEqual(p, Rng.Permutation(1000, 5, 3));
    }
}
