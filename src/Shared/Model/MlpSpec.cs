// What a multi-layer perceptron is: its layer sizes, the hidden activation and the output/loss pair.
// The spec is what a worker must agree on with its coordinator before they can exchange parameters.
namespace Dpt.Model;

/// <summary>Element-wise nonlinearity g in A = g(Z).</summary>
public enum Activation { Sigmoid, Tanh, Relu, LeakyRelu, Linear }

/// <summary>The output layer's activation fused with its loss; each pair has a simple gradient dL/dZ.</summary>
public enum OutputLoss
{
    /// <summary>Softmax over the outputs with cross-entropy against a class label.</summary>
    SoftmaxCrossEntropy,
    /// <summary>Element-wise sigmoid with binary cross-entropy; one output is a two-class label, several are multi-label 0/1 targets.</summary>
    SigmoidBinaryCrossEntropy,
    /// <summary>Identity output with (half) mean squared error against real-valued targets.</summary>
    LinearMeanSquaredError,
}

/// <summary>Layer sizes from input to output, e.g. [784, 256, 128, 10]; every dense layer computes Z = A·W + b.</summary>
public sealed record MlpSpec
{
    public MlpSpec(IReadOnlyList<int> layerSizes, Activation hidden, OutputLoss loss, float leakySlope = 0.01f)
    {
        ArgumentNullException.ThrowIfNull(layerSizes);
        if (layerSizes.Count < 2)
            throw new ArgumentException($"an MLP needs at least an input and an output size; got [{string.Join(",", layerSizes)}]");
        for (int i = 0; i < layerSizes.Count; i++)
            if (layerSizes[i] <= 0)
                throw new ArgumentException($"layer size {layerSizes[i]} at position {i} must be positive");
        if (!(leakySlope >= 0 && leakySlope < 1))
            throw new ArgumentException($"leaky ReLU slope {leakySlope} must be in [0, 1)");
        if (loss == OutputLoss.SoftmaxCrossEntropy && layerSizes[^1] < 2)
            throw new ArgumentException("softmax cross-entropy needs at least 2 outputs (classes)");
        LayerSizes = layerSizes.ToArray();
        Hidden = hidden;
        Loss = loss;
        LeakySlope = leakySlope;
    }

    public IReadOnlyList<int> LayerSizes { get; }
    public Activation Hidden { get; }
    public OutputLoss Loss { get; }
    public float LeakySlope { get; }

    public int Inputs => LayerSizes[0];
    public int Outputs => LayerSizes[^1];
    public int LayerCount => LayerSizes.Count - 1;

    /// <summary>
    /// The flat layout: per layer l (1-based), "dense{l}.weight" (I x O), then "dense{l}.bias" (1 x O).
    /// Weights are stored inputs by outputs (as Keras' kernel), so the forward product A·W reads W in rows.
    /// </summary>
    public ParameterLayout CreateLayout()
    {
        var tensors = new List<(string, ParameterKind, int, int)>();
        for (int l = 0; l < LayerCount; l++)
        {
            tensors.Add(($"dense{l + 1}.weight", ParameterKind.Weight, LayerSizes[l], LayerSizes[l + 1]));
            tensors.Add(($"dense{l + 1}.bias", ParameterKind.Bias, 1, LayerSizes[l + 1]));
        }
        return new ParameterLayout(tensors);
    }

    /// <summary>Floating-point operations per training sample (forward and backward; the input gradient of the first layer is not computed).</summary>
    public double TrainingFlopsPerSample()
    {
        double forward = 0, backward = 0;
        for (int l = 0; l < LayerCount; l++)
        {
            double mac = (double)LayerSizes[l] * LayerSizes[l + 1];
            forward += 2 * mac;
            backward += 2 * mac + (l > 0 ? 2 * mac : 0);
        }
        return forward + backward;
    }

    public override string ToString() =>
        $"[{string.Join("-", LayerSizes)}] {Naming.Kebab(Hidden)} {Naming.Kebab(Loss)}" + (Hidden == Activation.LeakyRelu ? $" slope {LeakySlope}" : "");

    public bool Equals(MlpSpec? other) =>
        other is not null && LayerSizes.SequenceEqual(other.LayerSizes) && Hidden == other.Hidden
        && Loss == other.Loss && LeakySlope.Equals(other.LeakySlope);

    public override int GetHashCode() =>
        HashCode.Combine(string.Join(",", LayerSizes), Hidden, Loss, LeakySlope);
}
