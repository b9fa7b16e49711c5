// A dense layer's forward next to its backward, same parameter order. Rows are samples:
// B = batch, I = inputs, O = outputs; input is (B, I), weight is (I, O) in column panels, bias is (O), Z is (B, O).
// This is the classic Z = W·A + b transposed: each sample is a row, so W is stored inputs by outputs.
using System.Numerics.Tensors;
using Dpt.Numerics;

namespace Dpt.Model;

public static class DenseLayer
{
    /// <summary>Z = input · weight + bias.</summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> z, int batch, int inputs, int outputs)
    {
        Gemm.MatMul(input, weight, z, batch, outputs, inputs, bias, bStorage: MatrixStorage.ColumnPanels);
    }

    /// <summary>
    /// dW = inputᵀ · dZ, db = Σ_rows dZ (added to the existing gradients when <paramref name="accumulate"/>,
    /// overwriting them otherwise, which spares a zeroing pass per step); and, when <paramref name="dInput"/>
    /// is not empty, dInput = dZ · weightᵀ.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> dZ,
        Span<float> dWeight, Span<float> dBias, Span<float> dInput, int batch, int inputs, int outputs, bool accumulate)
    {
        Gemm.MatMulTransA(input, dZ, dWeight, inputs, outputs, batch, accumulate, cStorage: MatrixStorage.ColumnPanels);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> row = dZ.Slice(b * outputs, outputs);
            if (b == 0 && !accumulate) row.CopyTo(dBias);
            else TensorPrimitives.Add(dBias, row, dBias);
        }
        if (batch == 0 && !accumulate) dBias.Slice(0, outputs).Clear();
        if (!dInput.IsEmpty)
            Gemm.MatMulTransB(dZ, weight, dInput, batch, inputs, outputs, bStorage: MatrixStorage.ColumnPanels);
    }
}
