// GFLOP/s of each matrix product of a dense layer, as DenseLayer calls it, at the shapes of the reference
// workload (MLP 784-256-128-10; 128 samples per step on one worker, 64 per worker on two), per GEMM path.
// Weights are stored in column panels, as the model stores them.
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Dpt.Numerics;

namespace Dpt.Benchmarks;

[Config(typeof(Config))]
public class GemmBenchmarks
{
    /// <summary>"product MxNxK" for batch b: forward Z = A·W (fwd), weight gradient dW = Aᵀ·dZ (dW),
    /// input gradient dA = dZ·Wᵀ (dX), for layers 1 and 2.</summary>
    public static IEnumerable<string> Shapes()
    {
        foreach (int b in new[] { 128, 64 })
        {
            yield return $"fwd {b}x256x784";
            yield return $"fwd {b}x128x256";
            yield return $"dW 784x256x{b}";
            yield return $"dW 256x128x{b}";
            yield return $"dX {b}x256x128";
        }
    }

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "";

    [ParamsSource(nameof(Paths))]
    public GemmPath Path { get; set; }

    public static IEnumerable<GemmPath> Paths() =>
        new[] { GemmPath.Avx512, GemmPath.Avx2, GemmPath.Portable }.Where(Gemm.IsSupported);

    private float[] _a = [], _b = [], _c = [];
    private int _m, _n, _k;
    private string _form = "";

    [GlobalSetup]
    public void Setup()
    {
        var parts = Shape.Split(' ');
        _form = parts[0];
        var dims = parts[1].Split('x').Select(int.Parse).ToArray();
        (_m, _n, _k) = (dims[0], dims[1], dims[2]);
        var rng = new Rng(1);
        _a = Random(_m * _k, rng);
        _b = Random(_k * _n, rng);
        _c = new float[_m * _n];
    }

    /// <summary>Floating-point operations of one product: 2·M·N·K.</summary>
    public double Flops => 2.0 * _m * _n * _k;

    [Benchmark]
    public void Product()
    {
        switch (_form)
        {
            case "fwd": Gemm.MatMul(_a, _b, _c, _m, _n, _k, path: Path, bStorage: MatrixStorage.ColumnPanels); break;
            case "dW": Gemm.MatMulTransA(_a, _b, _c, _m, _n, _k, path: Path, cStorage: MatrixStorage.ColumnPanels); break;
            default: Gemm.MatMulTransB(_a, _b, _c, _m, _n, _k, path: Path, bStorage: MatrixStorage.ColumnPanels); break;
        }
    }

    private static float[] Random(int n, Rng rng)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = rng.NextSingle() - 0.5f;
        return x;
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(new GflopsColumn());
            AddColumn(StatisticColumn.Median);
        }
    }

    /// <summary>2·M·N·K divided by the median time.</summary>
    private sealed class GflopsColumn : IColumn
    {
        public string Id => "GFLOPs";
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "2*M*N*K / median time";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats) return "-";
            var bench = new GemmBenchmarks { Shape = (string)benchmarkCase.Parameters["Shape"] };
            bench.Setup();
            return (bench.Flops / stats.Median).ToString("F1"); // flops per nanosecond = GFLOP/s
        }
    }
}
