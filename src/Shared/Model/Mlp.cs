// A multi-layer perceptron over one flat parameter buffer: forward, loss and backward for a batch.
// B = batch, I = inputs, O = outputs; per layer l, A_l = g(A_{l-1} · W_lᵀ + b_l), with the output
// activation fused into the loss. The model holds no parameters itself: workers pass the latest
// published buffer, so one Mlp serves any number of workers.
using System.Diagnostics;
using Dpt.Numerics;

namespace Dpt.Model;

public sealed class Mlp
{
    private readonly ParameterTensor[] _weights;
    private readonly ParameterTensor[] _biases;

    public Mlp(MlpSpec spec)
    {
        Spec = spec ?? throw new ArgumentNullException(nameof(spec));
        Layout = spec.CreateLayout();
        _weights = Enumerable.Range(1, spec.LayerCount).Select(l => Layout[$"dense{l}.weight"]).ToArray();
        _biases = Enumerable.Range(1, spec.LayerCount).Select(l => Layout[$"dense{l}.bias"]).ToArray();
        var first = _weights[0];
        BackwardBoundaries = Enumerable.Range(0, (first.Columns + ColumnPanels.Width - 1) / ColumnPanels.Width)
            .Select(q => first.Offset + q * ColumnPanels.Width * first.Rows)
            .Append(_biases[0].Offset)
            .Concat(_weights.Skip(1).Select(w => w.Offset))
            .ToArray();
    }

    public MlpSpec Spec { get; }

    /// <summary>The offsets at which <see cref="Backward"/> with a frontier can report, ascending: each column panel
    /// of the first layer's weights, the first layer's bias, and the weights of each layer above.</summary>
    public IReadOnlyList<int> BackwardBoundaries { get; }

    public ParameterLayout Layout { get; }

    /// <summary>
    /// Forward pass and loss for <paramref name="batch"/> rows of <paramref name="input"/> (B, I);
    /// returns the loss sum and correct count. The outputs (probabilities for softmax and sigmoid) are
    /// left in <see cref="Outputs"/>.
    /// </summary>
    public BatchMetrics Evaluate(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, BatchTargets targets, int batch, MlpWorkspace workspace)
    {
        CheckBatch(parameters, input, batch, workspace);
        ForwardHidden(parameters, input, batch, workspace);
        return OutputLosses.Compute(Spec.Loss, workspace.Activations[^1].AsSpan(0, batch * Spec.Outputs), targets, batch, Spec.Outputs, default);
    }

    /// <summary>
    /// Forward, loss and backward: writes the gradient of the loss summed over the batch into
    /// <paramref name="gradient"/> (same layout as the parameters), adding to it when
    /// <paramref name="accumulate"/> and overwriting it otherwise.
    /// </summary>
    public BatchMetrics ComputeGradient(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, BatchTargets targets, int batch,
        MlpWorkspace workspace, Span<float> gradient, bool accumulate = false)
    {
        CheckGradient(gradient);
        var metrics = ForwardLoss(parameters, input, targets, batch, workspace);
        Backward(parameters, input, batch, workspace, gradient, accumulate);
        return metrics;
    }

    /// <summary>
    /// The first half of <see cref="ComputeGradient"/>, timed apart by workers: forward and loss, leaving the loss
    /// gradient of the output layer in <paramref name="workspace"/> for <see cref="Backward"/>.
    /// </summary>
    public BatchMetrics ForwardLoss(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, BatchTargets targets, int batch, MlpWorkspace workspace)
    {
        CheckBatch(parameters, input, batch, workspace);
        ForwardHidden(parameters, input, batch, workspace);
        Span<float> delta = workspace.Delta.AsSpan(0, batch * Spec.Outputs);
        return OutputLosses.Compute(Spec.Loss, workspace.Activations[^1].AsSpan(0, batch * Spec.Outputs), targets, batch, Spec.Outputs, delta);
    }

    /// <summary>
    /// The second half of <see cref="ComputeGradient"/>: backward from the loss gradient that <see cref="ForwardLoss"/>
    /// left in <paramref name="workspace"/>, with the same parameters, input and batch.
    /// </summary>
    /// <param name="frontier">Told as each part of the gradient is done, from the buffer's end down to offset 0; null for none.</param>
    public void Backward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, int batch, MlpWorkspace workspace, Span<float> gradient,
        bool accumulate = false, IGradientFrontier? frontier = null)
    {
        CheckBatch(parameters, input, batch, workspace);
        CheckGradient(gradient);
        int last = Spec.LayerCount - 1;
        for (int l = last; l >= 0; l--)
        {
            int inputs = Spec.LayerSizes[l], outputs = Spec.LayerSizes[l + 1];
            ReadOnlySpan<float> below = l == 0 ? input.Slice(0, batch * inputs) : workspace.Activations[l - 1].AsSpan(0, batch * inputs);
            Span<float> dBelow = l == 0 ? default : workspace.DeltaBelow.AsSpan(0, batch * inputs);
            ReadOnlySpan<float> dZ = workspace.Delta.AsSpan(0, batch * outputs);
            if (l == 0 && frontier is not null)
            {
                FirstLayerInBlocks(input.Slice(0, batch * inputs), dZ, gradient, batch, accumulate, frontier);
                break;
            }
            DenseLayer.Backward(below, _weights[l].Of(parameters), dZ, _weights[l].Of(gradient), _biases[l].Of(gradient), dBelow,
                batch, inputs, outputs, accumulate);
            // The layout runs weight, bias, layer after layer: this layer's tensors and all above are done, and its
            // weights were read for the last time by dInput.
            frontier?.Reached(_weights[l].Offset);
            if (l == 0) break;
            Activations.Backward(Spec.Hidden, below, dBelow, dBelow, Spec.LeakySlope);
            (workspace.Delta, workspace.DeltaBelow) = (workspace.DeltaBelow, workspace.Delta);
        }
    }

    /// <summary>The first layer's bias gradient, then its weight gradient in blocks of output columns ending at the
    /// frontier's cuts, highest first, each reported when done (the first layer computes no input gradient, so
    /// its weights are not read by backward at all).</summary>
    private void FirstLayerInBlocks(ReadOnlySpan<float> input, ReadOnlySpan<float> dZ, Span<float> gradient, int batch, bool accumulate,
        IGradientFrontier frontier)
    {
        var weight = _weights[0];
        int inputs = weight.Rows, outputs = weight.Columns;
        DenseLayer.BiasGradient(dZ, _biases[0].Of(gradient), batch, outputs, accumulate);
        frontier.Reached(_biases[0].Offset);
        var dWeight = weight.Of(gradient);
        int end = outputs;
        var cuts = frontier.Cuts;
        for (int i = cuts.Length - 1; i >= -1; i--)
        {
            int start = 0;
            if (i >= 0)
            {
                int into = cuts[i] - weight.Offset;
                // Only a cut on a column panel start strictly inside the weights ends a block.
                if (into <= 0 || into >= weight.Length || into % (ColumnPanels.Width * inputs) != 0) continue;
                start = into / inputs;
                if (start >= end) continue;
            }
            DenseLayer.WeightGradientColumns(input, dZ, dWeight, batch, inputs, outputs, start, end - start, accumulate);
            frontier.Reached(weight.Offset + start * inputs);
            end = start;
        }
    }

    /// <summary>The outputs (B, O) of the last <see cref="Evaluate"/> or <see cref="ComputeGradient"/> on this workspace.</summary>
    public ReadOnlySpan<float> Outputs(MlpWorkspace workspace, int batch) => workspace.Activations[^1].AsSpan(0, batch * Spec.Outputs);

    /// <summary>Every layer's Z = A·Wᵀ + b, with g applied in place on the hidden ones; the last layer keeps its logits.</summary>
    private void ForwardHidden(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, int batch, MlpWorkspace workspace)
    {
        ReadOnlySpan<float> a = input.Slice(0, batch * Spec.Inputs);
        for (int l = 0; l < Spec.LayerCount; l++)
        {
            int inputs = Spec.LayerSizes[l], outputs = Spec.LayerSizes[l + 1];
            Span<float> z = workspace.Activations[l].AsSpan(0, batch * outputs);
            DenseLayer.Forward(a, _weights[l].Of(parameters), _biases[l].Of(parameters), z, batch, inputs, outputs);
            if (l < Spec.LayerCount - 1) Activations.Forward(Spec.Hidden, z, z, Spec.LeakySlope);
            a = z;
        }
    }

    private void CheckGradient(Span<float> gradient)
    {
        if (gradient.Length != Layout.Length)
            throw new ArgumentException($"gradient has {gradient.Length} elements; the model has {Layout.Length} parameters", nameof(gradient));
    }

    private void CheckBatch(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, int batch, MlpWorkspace workspace)
    {
        if (parameters.Length != Layout.Length)
            throw new ArgumentException($"parameters have {parameters.Length} elements; the model has {Layout.Length}", nameof(parameters));
        if (batch < 0 || batch > workspace.MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"must be in [0, {workspace.MaxBatch}], the workspace's capacity");
        if (input.Length < batch * Spec.Inputs)
            throw new ArgumentException($"input has {input.Length} elements; {batch} samples of {Spec.Inputs} features need {batch * Spec.Inputs}", nameof(input));
        Debug.Assert(workspace.Activations.Length == Spec.LayerCount);
    }
}
