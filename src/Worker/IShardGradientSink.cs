// Where a shard's gradient goes while backward is still running: the worker pushes each parameter-server
// shard its range as soon as that range is final, so communication overlaps the rest of backward.
using Dpt.Model;

namespace Dpt.Worker;

public interface IShardGradientSink
{
    /// <summary>Ascending offsets where the sink's ranges begin (see <see cref="IGradientFrontier.Cuts"/>).</summary>
    ReadOnlySpan<int> Cuts { get; }

    /// <summary>The shard's gradient is final from <paramref name="offset"/> to the end of the buffer; <paramref name="metrics"/>
    /// are the whole shard's, <paramref name="forwardTicks"/> its time in gathering, forward and loss.</summary>
    void Ready(int offset, BatchMetrics metrics, long forwardTicks);
}
