// Backward reporting its progress (IGradientFrontier), as a worker uses it to send gradient ranges early:
// the gradient must be bit for bit the one of a plain backward pass, and each reported part final.
using Dpt.Model;
using Dpt.Numerics;

namespace Dpt.Shared.Tests.Model;

public class GradientFrontierSpec
{
    /// <summary>Records each report with a copy of the gradient at that moment.</summary>
    private sealed class Recorder(int[] cuts, float[] gradient) : IGradientFrontier
    {
        public readonly List<(int Offset, float[] Seen)> Reports = new();

        public ReadOnlySpan<int> Cuts => cuts;

        public void Reached(int offset) => Reports.Add((offset, (float[])gradient.Clone()));
    }

    private static (Mlp Mlp, float[] W, float[] X, int[] Labels) Setup(MlpSpec spec, int batch)
    {
        var mlp = new Mlp(spec);
        var w = Initializer.Create(mlp.Layout, InitScheme.HeNormal, 5);
        var rng = new Rng(9);
        var x = Enumerable.Range(0, batch * spec.Inputs).Select(_ => rng.NextSingle()).ToArray();
        var labels = Enumerable.Range(0, batch).Select(i => i % spec.Outputs).ToArray();
        return (mlp, w, x, labels);
    }

    public static TheoryData<int[]> CutSets() => new()
    {
        Array.Empty<int>(),
        new[] { 0 },
        // 100 inputs x 70 outputs: panels of 32 columns start at 0, 3200 and 6400 in the first layer's weights.
        new[] { 0, 3200 },
        new[] { 0, 3200, 6400 },
        new[] { 0, 1000, 3200, 7000, 7070, 7500 }, // cuts off panel starts and in later tensors
    };

    [Theory, MemberData(nameof(CutSets))]
    public void Backward_in_blocks_must_give_the_plain_gradient_bit_for_bit_and_report_only_final_parts(int[] cuts)
    {
        var spec = new MlpSpec([100, 70, 20, 4], Activation.Relu, OutputLoss.SoftmaxCrossEntropy);
        const int batch = 37;
        var (mlp, w, x, labels) = Setup(spec, batch);
        var ws = new MlpWorkspace(spec, batch);
        var plain = new float[w.Length];
        mlp.ComputeGradient(w, x, BatchTargets.FromLabels(labels), batch, ws, plain);

        var blocked = new float[w.Length];
        Array.Fill(blocked, float.NaN);
        var recorder = new Recorder(cuts, blocked);
        mlp.ForwardLoss(w, x, BatchTargets.FromLabels(labels), batch, ws);
        mlp.Backward(w, x, batch, ws, blocked, frontier: recorder);

        Assert.Equal(plain, blocked);
        var offsets = recorder.Reports.Select(r => r.Offset).ToList();
        Assert.Equal(0, offsets[^1]);
        Assert.Equal(offsets.OrderByDescending(o => o).Distinct(), offsets);
        foreach (var (offset, seen) in recorder.Reports)
            Assert.Equal(plain.AsSpan(offset).ToArray(), seen.AsSpan(offset).ToArray());
        // Every cut on a panel start inside the first layer's weights was reported on its own.
        var weight = mlp.Layout["dense1.weight"];
        foreach (int cut in cuts.Where(c => c > 0 && c < weight.Length && c % (ColumnPanels.Width * weight.Rows) == 0))
            Assert.Contains(cut, offsets);
    }

    [Fact]
    public void A_weight_gradient_by_column_blocks_must_equal_the_whole_product()
    {
        foreach (var path in new[] { GemmPath.Avx512, GemmPath.Avx2, GemmPath.Portable }.Where(Gemm.IsSupported))
        {
            const int inputs = 53, outputs = 100, batch = 19;
            var rng = new Rng(3);
            float[] input = Enumerable.Range(0, batch * inputs).Select(_ => rng.NextSingle() - 0.5f).ToArray();
            float[] dZ = Enumerable.Range(0, batch * outputs).Select(_ => rng.NextSingle() - 0.5f).ToArray();
            var whole = new float[inputs * outputs];
            Gemm.MatMulTransA(input, dZ, whole, inputs, outputs, batch, path: path, cStorage: MatrixStorage.ColumnPanels);
            var blocks = new float[inputs * outputs];
            foreach (var (first, count) in new[] { (96, 4), (32, 64), (0, 32) })
                Gemm.MatMulTransA(input, dZ.AsSpan(first), outputs, blocks.AsSpan(first * inputs, count * inputs), inputs, count, batch,
                    path: path, cStorage: MatrixStorage.ColumnPanels);
            Assert.Equal(whole, blocks);
        }
    }

    [Fact]
    public void Column_blocks_off_panel_starts_must_be_refused()
    {
        var dW = new float[10 * 70];
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            DenseLayer.WeightGradientColumns(new float[30], new float[210], dW, 3, 10, 70, 16, 32, false));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            DenseLayer.WeightGradientColumns(new float[30], new float[210], dW, 3, 10, 70, 0, 20, false));
    }
}
