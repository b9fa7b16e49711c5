// Told by Mlp.Backward how far the gradient is done, so that a worker can send each parameter-server
// shard its range while backward still computes the rest (DDP's gradient buckets). Backward walks the
// flat buffer from its end to its start: the last layer's weights and bias, then each layer below, the
// first layer's weight gradient a block of output columns at a time.
namespace Dpt.Model;

public interface IGradientFrontier
{
    /// <summary>Ascending offsets in the flat buffer where the listener's ranges begin (parameter-server shard
    /// starts). Backward ends a block of the first layer's weight gradient at each one that falls on a column
    /// panel inside it; others are reported when the tensor holding them is done.</summary>
    ReadOnlySpan<int> Cuts { get; }

    /// <summary>Every gradient element at or after <paramref name="offset"/> is final for this backward pass,
    /// and the parameters there are not read again by it. Offsets only decrease; the last call is 0.</summary>
    void Reached(int offset);
}
