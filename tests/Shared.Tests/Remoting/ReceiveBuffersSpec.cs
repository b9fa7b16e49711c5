// The pool of the arrays received tensors land in.
using Dpt.Remoting;

namespace Dpt.Shared.Tests.Remoting;

public class ReceiveBuffersSpec
{
    private const int Pooled = ReceiveBuffers.MinPooledLength + 3;

    [Fact]
    public void A_returned_array_must_be_handed_out_again_for_its_length()
    {
        var first = ReceiveBuffers.Rent(Pooled);
        Assert.Equal(Pooled, first.Length);
        Assert.True(ReceiveBuffers.Return(first));
        var again = ReceiveBuffers.Rent(Pooled);
        Assert.Same(first, again);
        Assert.True(ReceiveBuffers.IsLeased(again));
        ReceiveBuffers.Return(again);
    }

    [Fact]
    public void An_array_must_be_taken_back_once_and_only_if_the_pool_leased_it()
    {
        var leased = ReceiveBuffers.Rent(Pooled);
        Assert.True(ReceiveBuffers.Return(leased.AsMemory(100, 50))); // a slice returns its whole array
        Assert.False(ReceiveBuffers.Return(leased));                  // a second return does nothing
        Assert.False(ReceiveBuffers.IsLeased(leased));
        Assert.False(ReceiveBuffers.Return(new float[Pooled]));        // a worker's own buffer is not the pool's
        Assert.False(ReceiveBuffers.Return(ReadOnlyMemory<float>.Empty));
    }

    [Fact]
    public void Small_tensors_must_be_allocated_as_usual()
    {
        var small = ReceiveBuffers.Rent(ReceiveBuffers.MinPooledLength - 1);
        Assert.False(ReceiveBuffers.IsLeased(small));
        Assert.False(ReceiveBuffers.Return(small));
    }

    [Fact]
    public void Two_leases_at_once_must_be_distinct_arrays()
    {
        var a = ReceiveBuffers.Rent(Pooled + 1);
        var b = ReceiveBuffers.Rent(Pooled + 1);
        Assert.NotSame(a, b);
        ReceiveBuffers.Return(a);
        ReceiveBuffers.Return(b);
    }
}
