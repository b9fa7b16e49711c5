// A dense layer's forward next to its backward, same parameter order. Rows are samples:
// B = batch, I = inputs, O = outputs; input is (B, I), weight is (O, I), bias is (O), Z is (B, O).
// This is the classic Z = W·A + b with each sample as a row instead of a column.
using System.Numerics.Tensors;
using Dpt.Numerics;

namespace Dpt.Model;

public static class DenseLayer
{
    /// <summary>Z = input · weightᵀ + bias.</summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> z, int batch, int inputs, int outputs)
    {
        Gemm.MatMulTransB(input, weight, z, batch, outputs, inputs, bias);
    }

    /// <summary>
    /// dW = dZᵀ · input, db = Σ_rows dZ (added to the existing gradients when <paramref name="accumulate"/>,
    /// overwriting them otherwise, which spares a zeroing pass per step); and, when <paramref name="dInput"/>
    /// is not empty, dInput = dZ · weight.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> dZ,
        Span<float> dWeight, Span<float> dBias, Span<float> dInput, int batch, int inputs, int outputs, bool accumulate)
    {
        Gemm.MatMulTransA(dZ, input, dWeight, outputs, inputs, batch, accumulate);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> row = dZ.Slice(b * outputs, outputs);
            if (b == 0 && !accumulate) row.CopyTo(dBias);
            else TensorPrimitives.Add(dBias, row, dBias);
        }
        if (batch == 0 && !accumulate) dBias.Slice(0, outputs).Clear();
        if (!dInput.IsEmpty)
            Gemm.MatMul(dZ, weight, dInput, batch, inputs, outputs);
    }
}
