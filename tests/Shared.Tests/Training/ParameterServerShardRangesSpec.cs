// Parameter-server shard ranges cut where backward reports progress (Mlp.BackwardBoundaries).
using Dpt.Model;
using Dpt.Training;

namespace Dpt.Shared.Tests.Training;

public class ParameterServerShardRangesSpec
{
    [Fact]
    public void Ranges_must_start_at_boundaries_nearest_an_even_split_and_cover_the_buffer()
    {
        var ranges = ParameterServerShard.Ranges(100, 4, [10, 20, 30, 45, 60, 70, 90]);
        // Even cuts at 25, 50, 75; a tie (20 or 30 for 25) goes to the lower boundary.
        Assert.Equal([(0, 20), (20, 25), (45, 25), (70, 30)], ranges);
    }

    [Fact]
    public void Reference_model_ranges_must_fall_on_first_layer_panels_and_be_near_even()
    {
        var mlp = new Mlp(new MlpSpec([784, 256, 128, 10], Activation.Relu, OutputLoss.SoftmaxCrossEntropy));
        int length = mlp.Layout.Length;
        var ranges = ParameterServerShard.Ranges(length, 4, mlp.BackwardBoundaries);
        Assert.Equal(4, ranges.Count);
        Assert.Equal(0, ranges[0].Offset);
        Assert.Equal(length, ranges[^1].Offset + ranges[^1].Count);
        for (int i = 1; i < ranges.Count; i++)
        {
            Assert.Equal(ranges[i - 1].Offset + ranges[i - 1].Count, ranges[i].Offset);
            Assert.Contains(ranges[i].Offset, mlp.BackwardBoundaries);
            Assert.Equal(0, ranges[i].Offset % (32 * 784)); // a column panel of the first layer's weights
        }
        Assert.All(ranges, r => Assert.InRange(r.Count, length / 8, length / 2));
    }

    [Fact]
    public void Fewer_boundaries_than_cuts_must_give_fewer_ranges()
    {
        var ranges = ParameterServerShard.Ranges(100, 4, [0, 50]);
        Assert.Equal([(0, 50), (50, 50)], ranges);
        Assert.Equal([(0, 100)], ParameterServerShard.Ranges(100, 1, [0, 50]));
    }
}
