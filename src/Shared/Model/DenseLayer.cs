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
        BiasGradient(dZ, dBias, batch, outputs, accumulate);
        if (!dInput.IsEmpty)
            Gemm.MatMulTransB(dZ, weight, dInput, batch, inputs, outputs, bStorage: MatrixStorage.ColumnPanels);
    }

    /// <summary>db = Σ_rows dZ (added to <paramref name="dBias"/> when <paramref name="accumulate"/>).</summary>
    public static void BiasGradient(ReadOnlySpan<float> dZ, Span<float> dBias, int batch, int outputs, bool accumulate)
    {
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> row = dZ.Slice(b * outputs, outputs);
            if (b == 0 && !accumulate) row.CopyTo(dBias);
            else TensorPrimitives.Add(dBias, row, dBias);
        }
        if (batch == 0 && !accumulate) dBias.Slice(0, outputs).Clear();
    }

    /// <summary>
    /// Columns [<paramref name="first"/>, + <paramref name="count"/>) of dW = inputᵀ · dZ, bit for bit as
    /// <see cref="Backward"/> computes them. In column panels those columns are one contiguous run of the
    /// gradient, which can be sent while the other columns are still being computed. <paramref name="first"/>
    /// is a multiple of <see cref="ColumnPanels.Width"/>, and so is <paramref name="count"/> unless the block
    /// ends at the last column.
    /// </summary>
    public static void WeightGradientColumns(ReadOnlySpan<float> input, ReadOnlySpan<float> dZ, Span<float> dWeight,
        int batch, int inputs, int outputs, int first, int count, bool accumulate)
    {
        if (first < 0 || count <= 0 || first + count > outputs || first % ColumnPanels.Width != 0
            || (count % ColumnPanels.Width != 0 && first + count != outputs))
            throw new ArgumentOutOfRangeException(nameof(first), $"columns [{first},{first + count}) of {outputs} are not whole panels of {ColumnPanels.Width}");
        Gemm.MatMulTransA(input, dZ.Slice(first), outputs, dWeight.Slice(first * inputs, count * inputs), inputs, count, batch,
            accumulate, cStorage: MatrixStorage.ColumnPanels);
    }
}
