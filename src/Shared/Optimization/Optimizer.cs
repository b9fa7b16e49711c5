// The optimizer abstraction the parameter server calls: one in-place update of a contiguous range of
// the flat parameter buffer from the pushed gradient sum, with state addressed by the same range.
// It holds no per-step mutable state (the step index comes with each call), so shards may update
// disjoint ranges concurrently and a checkpoint needs only parameters, state slots and the step.
using Dpt.Model;

namespace Dpt.Optimization;

/// <summary>An update rule over the flat float32 parameter buffer; create one with
/// <see cref="OptimizerOptions.Create"/>. Immutable; <see cref="Update"/> and <see cref="UpdateRange"/>
/// never allocate and are safe to call concurrently on disjoint ranges of one state.</summary>
/// <remarks>The gradient the rules use is g = <see cref="UpdateStep.GradientScale"/> · gradientSum, folded
/// into the update so averaging and clipping cost no extra pass over the buffer.</remarks>
public abstract class Optimizer
{
    private protected Optimizer(OptimizerOptions options) => Options = options;

    /// <summary>The validated hyper-parameters this optimizer was built from.</summary>
    public OptimizerOptions Options { get; }

    /// <summary>The update rule.</summary>
    public OptimizerKind Kind => Options.Kind;

    /// <summary>Short name for logs: sgd, momentum, nesterov or adamw.</summary>
    public string Name => Options.Name;

    /// <summary>Decay <see cref="UpdateRange"/> applies to weight tensors (biases get 0).</summary>
    public float WeightDecay => Options.WeightDecay;

    /// <summary>How many parameter-sized buffers the state holds: 0 (SGD), 1 (momentum, Nesterov) or 2 (Adam).</summary>
    public int StateSlots => SlotNames.Length;

    private protected abstract string[] SlotNames { get; }

    /// <summary>Allocates zeroed state for a model of <paramref name="parameterCount"/> floats; once, not per step.</summary>
    public OptimizerState CreateState(int parameterCount) => new(Kind, SlotNames, parameterCount);

    /// <summary>Updates parameters[offset .. offset + count) in place with one explicit weight decay
    /// (the caller decides weight or bias); state slots are read and written over the same range.</summary>
    /// <param name="parameters">The whole flat parameter buffer w.</param>
    /// <param name="gradientSum">The whole gradient buffer, same layout: the workers' summed gradients.</param>
    /// <param name="state">State from this optimizer's <see cref="CreateState"/> for the same buffer length.</param>
    /// <param name="weightDecay">wd for this range, finite and ≥ 0; pass 0 for biases.</param>
    /// <param name="step">This step's index, learning rate and gradient scale.</param>
    public void Update(Span<float> parameters, ReadOnlySpan<float> gradientSum, OptimizerState state,
        int offset, int count, float weightDecay, in UpdateStep step)
    {
        Validate(parameters, gradientSum, state, offset, count, step);
        Guard.FiniteNonNegative(weightDecay, nameof(weightDecay));
        UpdateCore(parameters.Slice(offset, count), gradientSum.Slice(offset, count), default, state, offset, weightDecay, step);
    }

    /// <summary>Updates parameters[offset .. offset + count) in place, walking the layout's tensors that
    /// intersect the range: <see cref="WeightDecay"/> for <see cref="ParameterKind.Weight"/> tensors, none
    /// for biases. This is the call a (shard of a) parameter server makes once per step.</summary>
    /// <param name="layout">The layout all three buffers mirror; its <see cref="ParameterLayout.Length"/> must equal theirs.</param>
    public void UpdateRange(ParameterLayout layout, Span<float> parameters, ReadOnlySpan<float> gradientSum,
        OptimizerState state, int offset, int count, in UpdateStep step)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Validate(parameters, gradientSum, state, offset, count, step);
        Guard.SameLength(layout.Length, parameters.Length, nameof(layout), nameof(parameters));
        int end = offset + count;
        var tensors = layout.Tensors;
        // An indexed loop: foreach over IReadOnlyList would box an enumerator every step.
        for (int k = 0; k < tensors.Count; k++)
        {
            var tensor = tensors[k];
            int start = Math.Max(offset, tensor.Offset);
            int stop = Math.Min(end, tensor.Offset + tensor.Length);
            if (start >= stop) continue;
            float weightDecay = tensor.Kind == ParameterKind.Weight ? WeightDecay : 0f;
            UpdateCore(parameters[start..stop], gradientSum[start..stop], default, state, start, weightDecay, step);
        }
    }

    /// <summary>
    /// As <see cref="UpdateRange"/>, with the gradient sum given for the range only, as one span or two
    /// added on the fly: the gradient at parameter <c>offset + i</c> is <c>gradient[i] + gradient2[i]</c>
    /// (<paramref name="gradient2"/> may be empty). This is the call of a parameter-server shard, which
    /// receives just its range from each worker and so need not copy or sum two workers' gradients first.
    /// </summary>
    public void UpdateRangeFrom(ParameterLayout layout, Span<float> parameters, ReadOnlySpan<float> gradient, ReadOnlySpan<float> gradient2,
        OptimizerState state, int offset, int count, in UpdateStep step)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(state);
        step.EnsureConstructed();
        Guard.SameLength(layout.Length, parameters.Length, nameof(layout), nameof(parameters));
        Guard.SameLength(state.ParameterCount, parameters.Length, nameof(state), nameof(parameters));
        Guard.Range(offset, count, parameters.Length);
        Guard.SameLength(gradient.Length, count, nameof(gradient), nameof(count));
        if (!gradient2.IsEmpty) Guard.SameLength(gradient2.Length, count, nameof(gradient2), nameof(count));
        if (state.Kind != Kind)
            throw new ArgumentException($"{nameof(state)} belongs to a {state.Kind} optimizer, not {Kind}; create it with this optimizer's CreateState", nameof(state));
        int end = offset + count;
        var tensors = layout.Tensors;
        for (int k = 0; k < tensors.Count; k++)
        {
            var tensor = tensors[k];
            int start = Math.Max(offset, tensor.Offset);
            int stop = Math.Min(end, tensor.Offset + tensor.Length);
            if (start >= stop) continue;
            float weightDecay = tensor.Kind == ParameterKind.Weight ? WeightDecay : 0f;
            UpdateCore(parameters[start..stop], gradient[(start - offset)..(stop - offset)],
                gradient2.IsEmpty ? default : gradient2[(start - offset)..(stop - offset)], state, start, weightDecay, step);
        }
    }

    /// <summary>Applies the rule to <paramref name="w"/> (the parameters at <paramref name="offset"/>) with
    /// gradient sum <paramref name="g"/> of the same length; arguments are already validated.</summary>
    private protected abstract void UpdateCore(Span<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> g2, OptimizerState state,
        int offset, float weightDecay, in UpdateStep step);

    private void Validate(Span<float> parameters, ReadOnlySpan<float> gradientSum, OptimizerState state,
        int offset, int count, in UpdateStep step)
    {
        ArgumentNullException.ThrowIfNull(state);
        step.EnsureConstructed();
        if (state.Kind != Kind)
            throw new ArgumentException($"{nameof(state)} belongs to a {state.Kind} optimizer, not {Kind}; create it with this optimizer's CreateState", nameof(state));
        Guard.SameLength(gradientSum.Length, parameters.Length, nameof(gradientSum), nameof(parameters));
        Guard.SameLength(state.ParameterCount, parameters.Length, nameof(state), nameof(parameters));
        Guard.Range(offset, count, parameters.Length);
    }

    /// <summary>The options, e.g. <c>adamw(beta1=0.9, beta2=0.999, eps=1E-08, wd=0.01)</c>.</summary>
    public override string ToString() => Options.ToString();
}
