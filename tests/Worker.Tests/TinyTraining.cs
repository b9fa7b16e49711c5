// What the worker specs share: a tiny model, a small synthetic data set split into training, test and
// validation parts, two parameter-server ranges, and the reference arithmetic a worker must reproduce.
using Dpt.Data;
using Dpt.Model;
using Dpt.Training;

namespace Dpt.Worker.Tests;

internal static class TinyTraining
{
    public const ulong Seed = 17;

    /// <summary>4 inputs, 5 hidden, 3 classes: 43 parameters.</summary>
    public static readonly Mlp Network = new(new MlpSpec([4, 5, 3], Activation.Tanh, OutputLoss.SoftmaxCrossEntropy));

    /// <summary>Two parameter-server ranges over the 43 parameters: [0,32) and [32,43).</summary>
    public static readonly IReadOnlyList<(int Offset, int Count)> Ranges = ParameterServerShard.Ranges(Network.Layout.Length, 2);

    private static readonly Dataset All = SyntheticData.GaussianBlobs(60, 3, 4, 0.6, Seed);

    public static readonly Dataset Train = All.Subset(Enumerable.Range(0, 40).ToArray(), "train");
    public static readonly Dataset Test = All.Subset(Enumerable.Range(40, 12).ToArray(), "test");
    public static readonly Dataset Validation = All.Subset(Enumerable.Range(52, 8).ToArray(), "validation");

    public static float[] Parameters(ulong seed) => Initializer.Create(Network.Layout, InitScheme.XavierUniform, seed);

    public static ShardComputer Computer(int chunk = 20) => new(Network, Train, Test, Validation, Seed, chunk);

    /// <summary>The summed gradient over positions <paramref name="shard"/> of epoch <paramref name="epoch"/>'s order,
    /// computed in one call of <see cref="Mlp.ComputeGradient"/>.</summary>
    public static (float[] Gradient, BatchMetrics Metrics) Gradient(float[] parameters, int epoch, SampleRange shard)
    {
        var order = EpochOrder.Permutation(Train.Count, Seed, epoch);
        var features = new float[shard.Count * Train.FeatureCount];
        var labels = new int[shard.Count];
        Train.GatherBatch(order.AsSpan(shard.Start, shard.Count), features, labels);
        var gradient = new float[Network.Layout.Length];
        var metrics = Network.ComputeGradient(parameters, features, BatchTargets.FromLabels(labels), shard.Count,
            new MlpWorkspace(Network.Spec, shard.Count), gradient);
        return (gradient, metrics);
    }

    /// <summary>Loss and correct predictions over positions <paramref name="range"/> of a held-out set, in its stored order.</summary>
    public static BatchMetrics Evaluation(float[] parameters, EvaluationSet set, SampleRange range)
    {
        var data = set == EvaluationSet.Test ? Test : Validation;
        var indices = Enumerable.Range(range.Start, range.Count).ToArray();
        var features = new float[range.Count * data.FeatureCount];
        var labels = new int[range.Count];
        data.GatherBatch(indices, features, labels);
        return Network.Evaluate(parameters, features, BatchTargets.FromLabels(labels), range.Count, new MlpWorkspace(Network.Spec, range.Count));
    }
}
