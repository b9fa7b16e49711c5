// The worker's gradient buffers: one per outstanding shard of a step, reused only once the server has
// published a version past that step (and so read every gradient of it).
namespace Dpt.Worker.Tests;

public class GradientPoolSpec
{
    [Fact]
    public void A_second_shard_of_the_same_step_must_get_another_buffer()
    {
        var pool = new GradientPool(8);
        var first = pool.Rent(0);
        var second = pool.Rent(0);
        Assert.NotSame(first, second);
        Assert.Equal(8, first.Length);
        Assert.Equal(2, pool.Count);
    }

    [Fact]
    public void Buffers_must_be_reused_only_after_a_version_past_their_step()
    {
        var pool = new GradientPool(8);
        var a = pool.Rent(3);
        var b = pool.Rent(3);

        pool.ReleaseBefore(3);
        var c = pool.Rent(4);
        Assert.NotSame(a, c);
        Assert.NotSame(b, c);

        pool.ReleaseBefore(4);
        Assert.Same(a, pool.Rent(4));
        Assert.Same(b, pool.Rent(4));
        Assert.NotSame(c, pool.Rent(4));
        Assert.Equal(4, pool.Count);
    }

    [Fact]
    public void In_steady_state_one_buffer_must_serve_every_step()
    {
        var pool = new GradientPool(8);
        var buffer = pool.Rent(0);
        for (long step = 1; step < 100; step++)
        {
            pool.ReleaseBefore(step);
            Assert.Same(buffer, pool.Rent(step));
        }
        Assert.Equal(1, pool.Count);
    }
}
