// The output activation fused with its loss, B = batch, O = outputs. Fusing keeps each pair numerically
// stable (softmax through the log-sum-exp, sigmoid BCE from logits) and gives the simple gradient
// dL/dZ = output - target for all three pairs. Losses and gradients are per sample and summed over
// the batch; the parameter server divides by the global sample count.
using System.Diagnostics;
using System.Numerics.Tensors;
using Dpt.Numerics;

namespace Dpt.Model;

public static class OutputLosses
{
    /// <summary>
    /// Turns logits <paramref name="z"/> (B, O) into outputs in place (probabilities for softmax and sigmoid)
    /// and, when <paramref name="dZ"/> is not empty, writes dL/dZ (B, O). Returns the loss sum and, when the
    /// targets are labels, the number of correct predictions.
    /// </summary>
    public static BatchMetrics Compute(OutputLoss loss, Span<float> z, BatchTargets targets, int batch, int outputs, Span<float> dZ)
    {
        Debug.Assert(z.Length >= batch * outputs);
        Debug.Assert(targets.HasLabels ? targets.Labels.Length >= batch : targets.Values.Length >= batch * outputs);
        bool withGradient = !dZ.IsEmpty;
        double lossSum = 0;
        int correct = 0;
        for (int b = 0; b < batch; b++)
        {
            Span<float> row = z.Slice(b * outputs, outputs);
            Span<float> drow = withGradient ? dZ.Slice(b * outputs, outputs) : default;
            int label = targets.HasLabels ? targets.Labels[b] : -1;
            ReadOnlySpan<float> t = targets.HasLabels ? default : targets.Values.Slice(b * outputs, outputs);
            if (targets.HasLabels && Predict(loss, row) == label) correct++;
            lossSum += loss switch
            {
                OutputLoss.SoftmaxCrossEntropy => SoftmaxCrossEntropy(row, label, t, drow),
                OutputLoss.SigmoidBinaryCrossEntropy => SigmoidBinaryCrossEntropy(row, label, t, drow),
                OutputLoss.LinearMeanSquaredError => HalfSquaredError(row, label, t, drow),
                _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, "unknown output loss"),
            };
        }
        return new BatchMetrics(lossSum, targets.HasLabels ? correct : 0, batch);
    }

    /// <summary>The predicted class from one row of logits: the arg-max, or logit &gt; 0 for a single sigmoid output.</summary>
    public static int Predict(OutputLoss loss, ReadOnlySpan<float> logits) =>
        logits.Length == 1 ? (loss == OutputLoss.LinearMeanSquaredError ? (logits[0] > 0.5f ? 1 : 0) : (logits[0] > 0 ? 1 : 0))
        : TensorPrimitives.IndexOfMax(logits);

    /// <summary>The predicted class from one row of outputs (probabilities or values): the arg-max, or output &gt; 0.5 for a single output.</summary>
    public static int PredictFromOutputs(ReadOnlySpan<float> outputs) =>
        outputs.Length == 1 ? (outputs[0] > 0.5f ? 1 : 0) : TensorPrimitives.IndexOfMax(outputs);

    // -log softmax(z)[y] = log Σ exp(z - max) - (z_y - max); the log-sum-exp never overflows.
    private static double SoftmaxCrossEntropy(Span<float> row, int label, ReadOnlySpan<float> t, Span<float> drow)
    {
        float max = TensorPrimitives.Max(row);
        TensorPrimitives.Subtract(row, max, row);
        double loss;
        if (label >= 0)
        {
            float shifted = row[label];
            TensorPrimitives.Exp(row, row);
            float sum = TensorPrimitives.Sum(row);
            loss = Math.Log(sum) - shifted;
            TensorPrimitives.Divide(row, sum, row);
            ElementWise.Apply(new FlushBelow(ElementWise.NegligibleProbability), row, row);
            if (!drow.IsEmpty)
            {
                row.CopyTo(drow);
                drow[label] -= 1f;
            }
        }
        else
        {
            // Soft targets (a distribution over classes): loss = -Σ t·log p.
            double dot = 0, tSum = 0;
            for (int o = 0; o < row.Length; o++) { dot += t[o] * (double)row[o]; tSum += t[o]; }
            TensorPrimitives.Exp(row, row);
            float sum = TensorPrimitives.Sum(row);
            loss = tSum * Math.Log(sum) - dot;
            TensorPrimitives.Divide(row, sum, row);
            ElementWise.Apply(new FlushBelow(ElementWise.NegligibleProbability), row, row);
            if (!drow.IsEmpty) TensorPrimitives.Subtract(row, t, drow);
        }
        return loss;
    }

    // Per output: max(z,0) - z·t + log(1 + exp(-|z|)), the stable form of -t·log σ(z) - (1-t)·log(1-σ(z)).
    private static double SigmoidBinaryCrossEntropy(Span<float> row, int label, ReadOnlySpan<float> t, Span<float> drow)
    {
        double loss = 0;
        for (int o = 0; o < row.Length; o++)
        {
            float zo = row[o];
            float target = label >= 0 ? (row.Length == 1 ? label : (o == label ? 1f : 0f)) : t[o];
            loss += Math.Max(zo, 0) - zo * (double)target + Math.Log(1 + Math.Exp(-Math.Abs(zo)));
            float p = 1f / (1f + MathF.Exp(-zo));
            if (p < ElementWise.NegligibleProbability) p = 0f;
            row[o] = p;
            if (!drow.IsEmpty) drow[o] = p - target;
        }
        return loss;
    }

    // ½ Σ (z - t)², so that dL/dZ = z - t.
    private static double HalfSquaredError(Span<float> row, int label, ReadOnlySpan<float> t, Span<float> drow)
    {
        double loss = 0;
        for (int o = 0; o < row.Length; o++)
        {
            float target = label >= 0 ? (row.Length == 1 ? label : (o == label ? 1f : 0f)) : t[o];
            float diff = row[o] - target;
            loss += 0.5 * diff * diff;
            if (!drow.IsEmpty) drow[o] = diff;
        }
        return loss;
    }
}
