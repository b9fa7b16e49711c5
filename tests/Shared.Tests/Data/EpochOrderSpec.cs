using Dpt.Data;
using Dpt.Numerics;

namespace Dpt.Shared.Tests.Data;

public class EpochOrderSpec
{
    [Fact]
    public void Permutation_must_visit_every_example_once()
    {
        Assert.Equal(Enumerable.Range(0, 1000), EpochOrder.Permutation(1000, seed: 3, epoch: 4).Order());
        Assert.Empty(EpochOrder.Permutation(0, seed: 3, epoch: 0));
    }

    [Fact]
    public void Permutation_must_be_a_pure_function_of_seed_and_epoch()
    {
        int[] order = EpochOrder.Permutation(500, seed: 17, epoch: 2);

        Assert.Equal(order, EpochOrder.Permutation(500, seed: 17, epoch: 2));
        Assert.NotEqual(order, EpochOrder.Permutation(500, seed: 17, epoch: 3));
        Assert.NotEqual(order, EpochOrder.Permutation(500, seed: 18, epoch: 2));
    }

    [Fact]
    public void Permutation_must_be_Rng_Permutation_with_the_epoch_as_stream_so_other_processes_can_reproduce_it()
    {
        Assert.Equal(Rng.Permutation(300, 99, 5), EpochOrder.Permutation(300, seed: 99, epoch: 5));
    }

    [Fact]
    public void Fill_must_write_the_same_permutation_into_a_reused_buffer()
    {
        var buffer = new int[256];
        for (int epoch = 0; epoch < 5; epoch++)
        {
            EpochOrder.Fill(buffer, seed: 8, epoch);
            Assert.Equal(EpochOrder.Permutation(256, seed: 8, epoch), buffer);
        }
    }

    [Fact]
    public void A_negative_epoch_or_count_must_be_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EpochOrder.Permutation(10, 1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => EpochOrder.Permutation(-1, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => EpochOrder.Fill(new int[3], 1, -1));
    }
}
