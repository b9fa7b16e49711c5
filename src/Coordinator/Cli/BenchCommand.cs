// `dpt bench`: samples/s of the reference workload through the local training path (or, with --cluster, with
// dpt-worker processes joined over loopback), for one or several worker counts measured alternately, as a
// table or one JSON object per worker count.
using Dpt.CommandLine;
using System.CommandLine;
using System.Text.Json;
using Dpt.Coordinator.Bench;
using Dpt.Coordinator.Cluster;
using Dpt.Coordinator.Timeline;
using Dpt.Training;
using Spectre.Console;

namespace Dpt.Coordinator.Cli;

internal static class BenchCommand
{
    private const string AtLeastOne = "an integer >= 1";

    private static readonly Option<int[]> Workers = CliOptions.IntList("--workers", [1],
        "Worker counts, comma-separated (e.g. 1,2): each is measured in every round, alternating, and compared with the first",
        $"comma-separated worker counts, each {TrainingOptionsValidator.Accepted.Workers}");
    private static readonly Option<int> Batch = CliOptions.Int("--batch", 128, $"Global mini-batch per step, from the largest worker count to {TrainingOptionsValidator.MaxBatch}",
        $"an integer from the largest --workers to {TrainingOptionsValidator.MaxBatch}");
    // Fresh worker processes start slow: with tiering, their compiler was busy for about 4 s (the first 200-step
    // window at about half the later ones); with tiering off, after 100 warm-up steps, the first window still ran
    // 8-15% below the later ones at two processes (JIT at first calls, the rings' first pages, throughput estimates).
    private const int LocalWarmup = 100, ClusterWarmup = 800;
    private static readonly Option<int?> Warmup = CliOptions.OptionalInt("--warmup",
        $"Steps run before measuring (JIT, caches, throughput estimates) [default: {LocalWarmup}; with --cluster {ClusterWarmup}, as new worker processes take seconds to settle]", AtLeastOne);
    private static readonly Option<int> Steps = CliOptions.Int("--steps", 200, "Steps per measurement window", AtLeastOne);
    private static readonly Option<int> Windows = CliOptions.Int("--windows", 5, "Measurement windows per run; the median window over all rounds is reported", AtLeastOne);
    private static readonly Option<int> Rounds = CliOptions.Int("--rounds", 1,
        "Rounds: each runs every worker count once, after measuring the compute ceilings (one thread alone, and as many threads as workers at once, unsynchronised; use 3 or more rounds where the machine's speed drifts)", AtLeastOne);
    private static readonly Option<ulong> Seed = CliOptions.ULong("--seed", 1, "Seed of the synthetic data and initialisation");
    private static readonly Option<bool> Cluster = CliOptions.Flag("--cluster",
        "Run each worker as a dpt-worker process on this machine, joined to this process's coordinator and parameter server over loopback, instead of as a thread in this process; also reports the CPU time per step of each process and how busy the cores are");
    private static readonly Option<bool> Json = CliOptions.Flag("--json", "Print one JSON object per worker count instead of the table");
    private static readonly Option<int?> PsShards = CliOptions.OptionalInt("--ps-shards",
        "Parameter-server shards, as for dpt train [default: one per worker up to the processor count; with --cluster the cores the worker processes leave free, from 1 to 4]", TrainingOptionsValidator.Accepted.ParameterServerShards);
    private static readonly Option<int?> SharedMemory = CliOptions.OptionalInt("--shared-memory-mib",
        "With --cluster: MiB of the shared-memory ring through which each process sends tensors to another (0: loopback TCP only) [default: 8, as dpt-worker]",
        "an integer from 0 to 1024");
    private static readonly Option<bool> PinWorkers = CliOptions.Flag("--pin-workers",
        "With --cluster: start each worker process on a CPU of its own (dpt-worker --cpus), while there are as many CPUs as workers");
    private static readonly TimelineCliOptions Timeline = new("the first --timeline-steps measured steps (after --warmup) of every run, each run as processes of its own");

    /// <summary>The bench's worker processes share this machine's cores with the coordinator, so it gets a shard per core
    /// they leave free, from 1 to dpt train's cluster default: each shard is another message per worker each way, and
    /// with no core to spare their CPU comes out of the workers' compute. On the 2-core VM (4 Dec), two processes ran at
    /// 117,273 samples/s with 1 shard and 101,419 with 4, paired runs; one process at 73,251 and 72,934.</summary>
    internal static int CoLocatedShards(int workers) =>
        Math.Clamp(Environment.ProcessorCount - workers, 1, TrainingOptions.ClusterParameterServerShards);

    public static Command Create()
    {
        var command = new Command("bench",
            "Measure training throughput on the reference workload (MLP 784-256-128-10, ReLU, softmax cross-entropy, momentum 0.9, lr 0.05) with synthetic data of Fashion-MNIST's shapes.");
        foreach (var option in new Option[] { Workers, Batch, Warmup, Steps, Windows, Rounds, Seed, Cluster, PsShards, SharedMemory, PinWorkers, Json }.Concat(Timeline.All)) command.Options.Add(option);
        command.SetAction((r, cancellation) => CliProgram.Run(() => RunAsync(r, cancellation)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult r, CancellationToken cancellation)
    {
        int[] workers = r.GetValue(Workers)!;
        if (workers.Length == 0 || workers.Any(w => w is < 1 or > TrainingOptionsValidator.MaxWorkers))
            throw new InvalidOptionException("--workers", string.Join(",", workers), $"expected comma-separated worker counts, each {TrainingOptionsValidator.Accepted.Workers}");
        var b = new BenchOptions(workers.Max(), r.GetValue(Batch), r.GetValue(Warmup) ?? (r.GetValue(Cluster) ? ClusterWarmup : LocalWarmup), r.GetValue(Steps), r.GetValue(Windows), r.GetValue(Seed),
            Cluster: r.GetValue(Cluster), ParameterServerShards: r.GetValue(PsShards) ?? (r.GetValue(Cluster) ? CoLocatedShards(workers.Max()) : null),
            SharedMemoryBytes: SharedMemoryBytes(r), PinWorkers: r.GetValue(PinWorkers));
        if (b.PinWorkers && !b.Cluster) throw new InvalidOptionException("--pin-workers", "", "it needs --cluster: local workers are threads of this process");
        int rounds = r.GetValue(Rounds);
        if (b.Batch < b.Workers || b.Batch > TrainingOptionsValidator.MaxBatch)
            throw new InvalidOptionException("--batch", b.Batch.ToString(), $"expected an integer from the largest --workers ({b.Workers}) to {TrainingOptionsValidator.MaxBatch}");
        if (b.WarmupSteps < 1) throw new InvalidOptionException("--warmup", b.WarmupSteps.ToString(), $"expected {AtLeastOne}");
        if (b.StepsPerWindow < 1) throw new InvalidOptionException("--steps", b.StepsPerWindow.ToString(), $"expected {AtLeastOne}");
        if (b.Windows < 1) throw new InvalidOptionException("--windows", b.Windows.ToString(), $"expected {AtLeastOne}");
        if (rounds < 1) throw new InvalidOptionException("--rounds", rounds.ToString(), $"expected {AtLeastOne}");
        var timeline = Timeline.Bind(r) is { } timelineOptions ? new TimelineRecording(timelineOptions) : null;
        bool json = r.GetValue(Json);
        if (!json)
            Console.Error.WriteLine($"benchmarking {LocalBenchmark.Workload}, batch {b.Batch}, {(b.Cluster ? "worker processes" : "workers")} {string.Join(",", workers)}: " +
                                    $"{rounds} round(s), each {b.WarmupSteps} warm-up steps then {b.Windows} windows of {b.StepsPerWindow} steps per worker count");
        IReadOnlyList<BenchSeries> series;
        var progress = json ? null : ProgressLine.StandardError();
        try
        {
            series = await LocalBenchmark.RunRoundsAsync(b, workers, rounds, progress is null ? null : p => progress.Report(p), cancellation, timeline);
        }
        finally
        {
            progress?.End(); // also before a message that the run was interrupted
        }
        if (timeline is not null) Console.Error.WriteLine(timeline.Write());
        var first = series[0];
        if (json)
        {
            foreach (var s in series)
            {
                var last = s.Results[^1];
                var fields = new Dictionary<string, object>
                {
                    ["workload"] = last.Workload,
                    ["mode"] = last.Mode,
                    ["workers"] = s.Workers,
                    ["batch"] = last.Batch,
                    ["samples_per_s"] = Math.Round(s.SamplesPerSecond),
                    ["gflops"] = Math.Round(s.SamplesPerSecond * last.Gflops / last.SamplesPerSecond, 2),
                    ["seconds"] = Math.Round(s.Results.Sum(x => x.Seconds), 3),
                    ["steps"] = s.Results.Sum(x => x.Steps),
                    ["rounds"] = s.Results.Count,
                    ["speedup"] = Math.Round(s.SpeedupOver(first), 3),
                    ["round_samples_per_s"] = s.Results.Select(x => Math.Round(x.SamplesPerSecond)).ToArray(),
                    ["round_speedups"] = s.RoundSpeedupsOver(first).Select(x => Math.Round(x, 3)).ToArray(),
                    ["compute_ceiling_samples_per_s"] = Math.Round(s.ComputeCeiling),
                    ["efficiency"] = Math.Round(s.Efficiency, 3),
                    ["concurrent_compute_ceiling_samples_per_s"] = Math.Round(s.ConcurrentComputeCeiling),
                    ["efficiency_vs_concurrent_ceiling"] = Math.Round(s.ConcurrentEfficiency, 3),
                    ["step_ms"] = Ms(s.Median(x => x.StepSeconds)),
                    ["compute_ms"] = Ms(s.Median(x => x.ComputeSeconds)),
                    ["communication_ms"] = Ms(s.Median(x => x.CommunicationSeconds)),
                    ["straggler_ms"] = Ms(s.Median(x => x.StragglerSeconds)),
                    ["optimizer_ms"] = Ms(s.Median(x => x.OptimizerSeconds)),
                    ["tensor_bytes_per_worker_each_way"] = last.TensorBytesPerWorkerEachWay,
                    ["window_samples_per_s"] = s.Results.SelectMany(x => x.WindowSamplesPerSecond).Select(w => Math.Round(w)).ToArray(),
                    ["gemm_path"] = last.GemmPath,
                    ["cpu"] = MachineDescription.Current.Cpu,
                    ["processors"] = MachineDescription.Current.Processors,
                };
                if (b.Cluster)
                {
                    fields["ps_shards"] = b.ParameterServerShards!.Value;
                    fields["pinned_workers"] = b.PinWorkers && WorkerLaunch.OwnCpu(1, s.Workers) is not null;
                    // Where a process could not be read (gone, not Linux for the split), the field is left out.
                    void Cpu(string name, Func<BenchResult, double?> measure, double scale)
                    {
                        if (s.Median(measure) is { } value) fields[name] = Math.Round(value * scale, 3);
                    }
                    Cpu("coordinator_cpu_ms_per_step", x => x.Cpu?.Coordinator, 1e3);
                    Cpu("worker_cpu_ms_per_step", x => x.Cpu?.Worker, 1e3);
                    Cpu("worker_actor_threads_cpu_ms_per_step", x => x.Cpu?.WorkerActorThreads, 1e3);
                    Cpu("core_share", x => x.Cpu?.CoreShare, 1);
                }
                Console.WriteLine(JsonSerializer.Serialize(fields));
            }
            return CliProgram.Ok;
        }
        Terminal.Console.WriteLine(first.Results[0].Workload); // a line of its own: as the table's title it wrapped to the table's width
        var table = new Table().Border(TableBorder.Rounded).AddColumn("median");
        string unit = b.Cluster ? "worker process" : "worker";
        foreach (var s in series) table.AddColumn(new TableColumn($"{s.Workers} {unit}{(s.Workers == 1 ? "" : b.Cluster ? "es" : "s")}").RightAligned());
        void Row(string name, Func<BenchSeries, string> value) =>
            table.AddRow([Markup.Escape(name), .. series.Select(s => Markup.Escape(value(s)))]);
        Row("samples/s", s => $"{s.SamplesPerSecond:N0}");
        if (series.Count > 1)
            Row($"speedup over {first.Workers} (paired by round)", s => s != first && s.RoundSpeedupsOver(first) is { Count: > 1 } pairs
                ? $"{s.SpeedupOver(first):F2}x ({pairs.Min():F2}-{pairs.Max():F2})"
                : $"{s.SpeedupOver(first):F2}x");
        Row("GFLOP/s", s => $"{s.SamplesPerSecond * s.Results[0].Gflops / s.Results[0].SamplesPerSecond:F1}");
        Row("one-thread compute ceiling", s => $"{s.ComputeCeiling:N0}");
        Row("efficiency vs ceiling", s => $"{s.Efficiency * 100:F0}%");
        Row("compute ceiling, N threads at once", s => $"{s.ConcurrentComputeCeiling:N0}");
        Row("efficiency vs N-thread ceiling", s => $"{s.ConcurrentEfficiency * 100:F0}%");
        Row("step", s => $"{Ms(s.Median(x => x.StepSeconds))} ms");
        Row("  compute (slowest worker)", s => $"{Ms(s.Median(x => x.ComputeSeconds))} ms");
        Row("  waiting for stragglers", s => $"{Ms(s.Median(x => x.StragglerSeconds))} ms");
        Row("  optimizer", s => $"{Ms(s.Median(x => x.OptimizerSeconds))} ms");
        Row("  communication", s => $"{Ms(s.Median(x => x.CommunicationSeconds))} ms");
        if (b.Cluster) Row("  tensor bytes per worker, each way", s => $"{s.Results[0].TensorBytesPerWorkerEachWay:N0}");
        if (b.Cluster)
        {
            static string Or(double? value, Func<double, string> format) => value is { } v ? format(v) : "n/a";
            Row("CPU per step, coordinator process", s => Or(s.Median(x => x.Cpu?.Coordinator), v => $"{Ms(v)} ms"));
            Row("CPU per step, each worker process", s => Or(s.Median(x => x.Cpu?.Worker), v => $"{Ms(v)} ms"));
            Row("  of which its actor threads", s => Or(s.Median(x => x.Cpu?.WorkerActorThreads), v => $"{Ms(v)} ms"));
            Row("cores busy, all processes", s => Or(s.Median(x => x.Cpu?.CoreShare), v => $"{v * 100:F0}%"));
        }
        Row("measured", s => $"{s.Results.Sum(x => x.Steps)} steps in {s.Results.Sum(x => x.Seconds):F2} s");
        Row("GEMM path", s => s.Results[0].GemmPath);
        Row("machine", _ => MachineDescription.Current.ToString());
        Terminal.Console.Write(table);
        return CliProgram.Ok;
    }

    private static double Ms(double seconds) => Math.Round(seconds * 1e3, 3);

    /// <summary>--shared-memory-mib in bytes; null when not given. Only with --cluster, where processes talk.</summary>
    private static long? SharedMemoryBytes(ParseResult r)
    {
        if (r.GetValue(SharedMemory) is not { } mib) return null;
        if (!r.GetValue(Cluster)) throw new InvalidOptionException("--shared-memory-mib", mib.ToString(System.Globalization.CultureInfo.InvariantCulture), "it needs --cluster: local workers share memory anyway");
        if (mib is < 0 or > 1024)
            throw new InvalidOptionException("--shared-memory-mib", mib.ToString(System.Globalization.CultureInfo.InvariantCulture), "expected an integer from 0 to 1024");
        return (long)mib << 20;
    }
}
