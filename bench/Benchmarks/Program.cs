// BenchmarkDotNet entry point: `dotnet run -c Release --project bench/Benchmarks -- --filter '*'`.
// Reports GFLOP/s of the matrix kernels at the reference workload's shapes (see GemmBenchmarks).
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Dpt.Benchmarks.GemmBenchmarks).Assembly).Run(args);
