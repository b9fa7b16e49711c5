using Dpt.Numerics;
using static Dpt.Shared.Tests.Numerics.GemmReference;

namespace Dpt.Shared.Tests.Numerics;

public class GemmSpec
{
    public static TheoryData<GemmPath> Paths()
    {
        var data = new TheoryData<GemmPath>();
        foreach (var p in new[] { GemmPath.Avx512, GemmPath.Avx2, GemmPath.Portable })
            if (Gemm.IsSupported(p)) data.Add(p);
        return data;
    }

    // Every size 1..67 in one dimension (past two 32-wide tiles, so every remainder path runs)
    // with the other two at an odd and an even size; then random triples; then large shapes.
    private static IEnumerable<(int M, int N, int K)> Shapes()
    {
        foreach (int other in new[] { 37, 64 })
            for (int s = 1; s <= 67; s++)
            {
                yield return (s, other, other);
                yield return (other, s, other);
                yield return (other, other, s);
            }
        var rng = new Rng(99);
        for (int i = 0; i < 150; i++) yield return (1 + rng.NextInt(67), 1 + rng.NextInt(67), 1 + rng.NextInt(67));
    }

    private static readonly (int M, int N, int K)[] LargeShapes =
    [
        (128, 256, 784), (256, 784, 128), (128, 784, 256), (64, 128, 256), (300, 301, 599), (17, 530, 1000),
    ];

    [Theory, MemberData(nameof(Paths))]
    public void MatMulTransB_must_match_the_scalar_reference_for_every_size(GemmPath path) =>
        CheckAll(Form.TransB, path, Shapes());

    [Theory, MemberData(nameof(Paths))]
    public void MatMulTransA_must_match_the_scalar_reference_for_every_size(GemmPath path) =>
        CheckAll(Form.TransA, path, Shapes());

    [Theory, MemberData(nameof(Paths))]
    public void MatMul_must_match_the_scalar_reference_for_every_size(GemmPath path) =>
        CheckAll(Form.Plain, path, Shapes());

    [Theory, MemberData(nameof(Paths))]
    public void Every_form_must_match_the_scalar_reference_for_large_shapes(GemmPath path)
    {
        foreach (var form in new[] { Form.TransB, Form.TransA, Form.Plain })
        {
            CheckAll(form, path, LargeShapes);
            CheckAll(form, path, LargeShapes, panels: true);
        }
    }

    // The weight operand stored in column panels: B of A·B and of A·Bᵀ (forward and input gradient),
    // C of Aᵀ·B (weight gradient); every size 1..67 again, so narrow last panels and every edge run.
    [Theory, MemberData(nameof(Paths))]
    public void Products_with_the_weights_in_column_panels_must_match_the_scalar_reference_for_every_size(GemmPath path)
    {
        foreach (var form in new[] { Form.TransB, Form.TransA, Form.Plain })
            CheckAll(form, path, Shapes(), panels: true);
    }

    [Fact]
    public void Column_panels_must_round_trip_and_index_every_element_once()
    {
        foreach (var (rows, cols) in new[] { (1, 1), (3, 32), (5, 33), (7, 70), (784, 256), (128, 10) })
        {
            var rowMajor = Enumerable.Range(0, rows * cols).Select(i => (float)i).ToArray();
            var panels = new float[rows * cols];
            ColumnPanels.FromRowMajor(rowMajor, rows, cols, panels);
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    Assert.Equal(rowMajor[r * cols + c], panels[ColumnPanels.Index(rows, cols, r, c)]);
            var back = new float[rows * cols];
            ColumnPanels.ToRowMajor(panels, rows, cols, back);
            Assert.Equal(rowMajor, back);
        }
    }

    [Theory, MemberData(nameof(Paths))]
    public void Zero_inner_dimension_must_give_bias_or_leave_C_unchanged(GemmPath path)
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        Gemm.MatMulTransB([], [], c, 2, 3, 0, bias: [10, 20, 30], path: path);
        Assert.Equal([10f, 20, 30, 10, 20, 30], c);
        Gemm.MatMulTransA([], [], c, 2, 3, 0, accumulate: true, path: path);
        Assert.Equal([10f, 20, 30, 10, 20, 30], c);
        Gemm.MatMul([], [], c, 2, 3, 0, path: path);
        Assert.All(c, x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Arguments_too_short_for_the_shape_must_be_rejected_naming_the_matrix()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.MatMul(new float[5], new float[6], new float[4], 2, 2, 3));
        Assert.Contains("A has 5 elements; a (2, 3) matrix needs 6", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.MatMul([], [], [], -1, 2, 3));
        var bias = Assert.Throws<ArgumentException>(() => Gemm.MatMulTransB(new float[6], new float[6], new float[4], 2, 2, 3, bias: new float[1]));
        Assert.Contains("bias has 1 elements; expected 2", bias.Message);
    }

    private static void CheckAll(Form form, GemmPath path, IEnumerable<(int M, int N, int K)> shapes, bool panels = false)
    {
        var rng = new Rng(12345);
        foreach (var (m, n, k) in shapes)
        {
            bool accumulate = rng.NextInt(2) == 1;
            bool withBias = form != Form.TransA && rng.NextInt(2) == 1;
            Check(form, path, m, n, k, accumulate, withBias, rng, panels);
        }
    }

    private static void Check(Form form, GemmPath path, int m, int n, int k, bool accumulate, bool withBias, Rng rng, bool panels = false)
    {
        float[] a = Random(m * k, rng), b = Random(k * n, rng), c0 = Random(m * n, rng);
        float[]? bias = withBias ? Random(n, rng) : null;
        var c = (float[])c0.Clone();
        var storage = panels ? MatrixStorage.ColumnPanels : MatrixStorage.RowMajor;
        switch (form)
        {
            case Form.TransB:
                // B is (N, K); stored in panels it is the weights of a layer with K outputs.
                Gemm.MatMulTransB(a, panels ? Panels(b, n, k) : b, c, m, n, k, bias, accumulate, path, storage);
                break;
            case Form.TransA:
                if (!panels)
                {
                    Gemm.MatMulTransA(a, b, c, m, n, k, accumulate: accumulate, path: path);
                    break;
                }
                var cPanels = Panels(c0, m, n);
                Gemm.MatMulTransA(a, b, cPanels, m, n, k, accumulate, path, storage);
                ColumnPanels.ToRowMajor(cPanels, m, n, c);
                break;
            default:
                Gemm.MatMul(a, panels ? Panels(b, k, n) : b, c, m, n, k, bias, accumulate, path, storage);
                break;
        }
        var (expected, magnitude) = Compute(form, a, b, c0, bias, m, n, k, accumulate);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-6 * (k + 2) * magnitude[i] + 1e-30;
            if (Math.Abs(c[i] - expected[i]) > tolerance)
                Assert.Fail($"{form} on {path} for (M,N,K)=({m},{n},{k}), accumulate={accumulate}, bias={withBias}, panels={panels}: " +
                            $"C[{i / n},{i % n}] = {c[i]}, expected {expected[i]} within {tolerance:G3}");
        }
    }

    private static float[] Panels(float[] rowMajor, int rows, int cols)
    {
        var panels = new float[rowMajor.Length];
        ColumnPanels.FromRowMajor(rowMajor, rows, cols, panels);
        return panels;
    }

    private static float[] Random(int length, Rng rng)
    {
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextSingle() * 2 - 1;
        return x;
    }
}
