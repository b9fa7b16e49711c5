// `dpt train`: local-mode training (coordinator, parameter server and N workers in this process).
// Configure from the options (or the checkpoint of --resume), validate, load the data, train, report.
using Dpt.CommandLine;
using System.CommandLine;
using System.CommandLine.Parsing;
using Dpt.Coordinator.Dashboard;
using Dpt.Coordinator.Runs;
using Dpt.Coordinator.Timeline;
using Dpt.Coordinator.Training;
using Dpt.Data;
using Dpt.Hosting;
using Dpt.Model;
using Dpt.Optimization;
using Dpt.Training;

namespace Dpt.Coordinator.Cli;

internal static class TrainCommand
{
    private static readonly TrainingOptions Defaults = new();

    // Data
    private static readonly Option<string> Dataset = CliOptions.String("--dataset", Defaults.Dataset,
        $"Data set: {string.Join(", ", TrainingOptionsValidator.Datasets)}");
    private static readonly Option<string?> Data = CliOptions.OptionalString("--data",
        $"Directory of the IDX files, or the training CSV file [default: {MnistFormat.FashionMnistDirectory} for fashion-mnist; mnist and csv need it]");
    private static readonly Option<string?> TestData = CliOptions.OptionalString("--test-data", "CSV only: the test CSV file [default: none, no test set]");
    private static readonly Option<string?> LabelColumn = CliOptions.OptionalString("--label-column", "CSV only: label column name or 0-based index [default: last column]");
    private static readonly Option<int> Samples = CliOptions.Int("--samples", Defaults.SyntheticCount, "Synthetic sets only: training samples (the test set gets a fifth as many)",
        TrainingOptionsValidator.Accepted.Samples);
    private static readonly Option<ScalingKind?> Scaling = CliOptions.OptionalEnum<ScalingKind>("--scaling",
        $"Feature scaling fitted on the training set: {string.Join(", ", CliOptions.Names<ScalingKind>())} [default: divide255 for images, standardize for CSV, none for synthetic]");
    private static readonly Option<double> ValidationSplit = CliOptions.Double("--validation-split", Defaults.ValidationSplit, "Fraction of the training set held out for validation, in [0, 1)",
        TrainingOptionsValidator.Accepted.ValidationSplit);

    // Model
    private static readonly Option<int[]> Layers = CliOptions.IntList("--layers", Defaults.Hidden, "Hidden layer sizes, comma-separated (input and output sizes come from the data)",
        TrainingOptionsValidator.Accepted.Layers);
    private static readonly Option<Activation> ActivationOption = CliOptions.Enum("--activation", Defaults.Activation, "Hidden activation");
    private static readonly Option<float> LeakySlope = CliOptions.Float("--leaky-slope", Defaults.LeakySlope, "Leaky ReLU slope for negative inputs, in [0, 1)",
        TrainingOptionsValidator.Accepted.LeakySlope);
    private static readonly Option<OutputLoss> Loss = CliOptions.Enum("--loss", Defaults.Loss, "Output activation and loss");
    private static readonly Option<InitScheme?> Init = CliOptions.OptionalEnum<InitScheme>("--init",
        $"Weight initialisation: {string.Join(", ", CliOptions.Names<InitScheme>())} [default: he-uniform for relu and leaky-relu, xavier-uniform otherwise]");

    // Optimizer
    private static readonly Option<OptimizerKind> Optimizer = CliOptions.Enum("--optimizer", Defaults.Optimizer.Kind, "Optimizer (adam is AdamW: decoupled weight decay)");
    private static readonly Option<float> LearningRate = CliOptions.Float("--lr", Defaults.LearningRate, "Initial learning rate, > 0", TrainingOptionsValidator.Accepted.LearningRate);
    private static readonly Option<float> Momentum = CliOptions.Float("--momentum", Defaults.Optimizer.Momentum, "Momentum coefficient for momentum and nesterov, in [0, 1)",
        TrainingOptionsValidator.Accepted.Momentum);
    private static readonly Option<float> Beta1 = CliOptions.Float("--beta1", Defaults.Optimizer.Beta1, "Adam's first-moment decay, in [0, 1)", TrainingOptionsValidator.Accepted.Beta);
    private static readonly Option<float> Beta2 = CliOptions.Float("--beta2", Defaults.Optimizer.Beta2, "Adam's second-moment decay, in [0, 1)", TrainingOptionsValidator.Accepted.Beta);
    private static readonly Option<float> Epsilon = CliOptions.Float("--eps", Defaults.Optimizer.Epsilon, "Adam's epsilon, > 0", TrainingOptionsValidator.Accepted.Epsilon);
    private static readonly Option<float> WeightDecay = CliOptions.Float("--weight-decay", Defaults.Optimizer.WeightDecay, "Weight decay on weights (not biases), >= 0",
        TrainingOptionsValidator.Accepted.WeightDecay);
    private static readonly Option<float?> ClipNorm = CliOptions.OptionalFloat("--clip-norm", "Clip the averaged gradient to this global L2 norm, > 0 [default: no clipping]",
        TrainingOptionsValidator.Accepted.ClipNorm);
    private static readonly Option<ScheduleKind> Schedule = CliOptions.Enum("--schedule", Defaults.Schedule, "Learning-rate schedule");
    private static readonly Option<float?> Decay = CliOptions.OptionalFloat("--decay",
        "Schedule parameter: factor per --step-size epochs (step), factor per epoch (exponential), k in lr/(1+k*epoch) (inverse-time) [default: 0.5 for step, 0.95 for exponential, 0.1 for inverse-time]");
    private static readonly Option<int> StepSize = CliOptions.Int("--step-size", Defaults.StepSize, "Step schedule: epochs between decays", TrainingOptionsValidator.Accepted.StepSize);
    private static readonly Option<float?> MinLr = CliOptions.OptionalFloat("--min-lr", "Cosine schedule: final learning rate, in (0, --lr) [default: lr/1000]");
    private static readonly Option<int> Warmup = CliOptions.Int("--warmup", Defaults.WarmupSteps, "Linear warm-up steps before the schedule", TrainingOptionsValidator.Accepted.Warmup);

    // Loop
    private static readonly Option<int> BatchSize = CliOptions.Int("--batch-size", Defaults.BatchSize, "Global mini-batch: samples per step over all workers",
        TrainingOptionsValidator.Accepted.BatchSize);
    private static readonly Option<int> Epochs = CliOptions.Int("--epochs", Defaults.Epochs, "Epochs to train (with --resume: the new total)", TrainingOptionsValidator.Accepted.Epochs);
    private static readonly Option<int> Workers = CliOptions.Int("--workers", Defaults.Workers, "Worker actors, one thread each [default: processor count]",
        TrainingOptionsValidator.Accepted.Workers);
    private static readonly Option<int?> PsShards = CliOptions.OptionalInt("--ps-shards",
        "Parameter-server shards, each applying the optimizer to a range of the parameters; workers push each range as soon as backward is past it [default: local mode one per worker, up to the processor count; cluster mode 4; 1 with --clip-norm]",
        TrainingOptionsValidator.Accepted.ParameterServerShards);
    private static readonly Option<ulong> Seed = CliOptions.ULong("--seed", Defaults.Seed, "Seed of every random choice (initialisation, epoch order, split, synthetic data)");
    private static readonly Option<ShardSplit> Balance = CliOptions.Enum("--balance", Defaults.Balance,
        "Shard sizes: proportional to measured worker throughput, or equal (bit-for-bit reproducible)");
    private static readonly Option<double?> TargetAccuracy = CliOptions.OptionalDouble("--target-accuracy",
        "Stop after the first epoch whose test accuracy reaches this fraction (e.g. 0.885), and report the time it took [default: none, train every epoch]",
        TrainingOptionsValidator.Accepted.TargetAccuracy);

    // Cluster mode
    private static readonly Option<string?> Listen = CliOptions.OptionalString("--listen",
        $"Cluster mode: listen for dpt-worker processes at HOST[:PORT] (e.g. 0.0.0.0:{HostPort.DefaultCoordinatorPort}; port 0 picks a free one) [default: local mode, no network]");
    private static readonly Option<string?> PublicHost = CliOptions.OptionalString("--public-host",
        "Cluster mode: the host name or address workers reach this machine by, as they give it to --join [default: the --listen host, or this machine's host name for 0.0.0.0]");
    private static readonly Option<int?> MinWorkers = CliOptions.OptionalInt("--min-workers",
        "Cluster mode: workers (local and joined) to wait for before the first step [default: 1]", TrainingOptionsValidator.Accepted.MinWorkers);
    private static readonly Option<string?> SecretFile = CliOptions.OptionalString("--secret-file",
        $"Cluster mode: file holding the cluster secret (at least {ClusterSecret.MinimumBytes} bytes) that every node proves [default: the {ClusterSecret.EnvironmentVariable} environment variable]");
    private static readonly Option<string?> TlsCert = CliOptions.OptionalString("--tls-cert",
        "Cluster mode: speak TLS with the cluster's certificate (PFX, or PEM with --tls-key), the same file on every node; nodes trust the peers that present it [default: plain TCP]");
    private static readonly Option<string?> TlsKey = CliOptions.OptionalString("--tls-key", "Cluster mode: the PEM private key of a PEM --tls-cert [default: none]");

    // Output
    private static readonly Option<string> Output = CliOptions.String("--output", "runs", "Directory for run folders");
    private static readonly Option<string?> Name = CliOptions.OptionalString("--name", "Run folder name [default: time and data set]");
    private static readonly Option<string?> Resume = CliOptions.OptionalString("--resume", "Continue the run in this folder from its checkpoint (other options but --epochs and --json are taken from it) [default: start a new run]");
    private static readonly Option<bool> Json = CliOptions.Flag("--json", "Print one JSON object per epoch instead of the progress display and table");
    private static readonly TimelineCliOptions Timeline = new("the first --timeline-steps steps of the run (from the checkpoint's step with --resume)");

    public static Command Create()
    {
        var command = new Command("train", "Train a multi-layer perceptron: in local mode a coordinator, a parameter server and N worker actors in this process; "
                                           + "with --listen (cluster mode) the coordinator and parameter server here, and workers that join with dpt-worker --join. "
                                           + $"Ctrl-C stops after the current step and writes a checkpoint to resume from (exit code {CliProgram.Interrupted}). "
                                           + $"A run whose loss or parameters stop being finite numbers (diverged) stops at once, keeping its last finite checkpoint (exit code {CliProgram.Failed}).");
        foreach (var option in new Option[]
                 {
                     Dataset, Data, TestData, LabelColumn, Samples, Scaling, ValidationSplit, Layers, ActivationOption, LeakySlope, Loss, Init,
                     Optimizer, LearningRate, Momentum, Beta1, Beta2, Epsilon, WeightDecay, ClipNorm, Schedule, Decay, StepSize, MinLr, Warmup,
                     BatchSize, Epochs, Workers, PsShards, Seed, Balance, TargetAccuracy, Listen, PublicHost, MinWorkers, SecretFile, TlsCert, TlsKey,
                     Output, Name, Resume, Json, DashboardCliOptions.Address,
                 }.Concat(Timeline.All).Concat(ClusterCliOptions.All))
            command.Options.Add(option);
        command.SetAction((result, cancellation) => CliProgram.Run(() => RunAsync(result, cancellation)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult r, CancellationToken cancellation)
    {
        RunFolder? resumed = null;
        TrainingOptions options;
        Checkpoint? checkpoint = null;
        if (r.GetValue(Resume) is { } resume)
        {
            if (r.CommandResult.Children.OfType<OptionResult>().FirstOrDefault(o => !o.Implicit && o.Option != Resume && o.Option != Epochs && o.Option != Json
                    && !ClusterOnly.Contains(o.Option) && o.Option != Listen && !Timeline.All.Contains(o.Option) && o.Option != DashboardCliOptions.Address)
                is { } ignored)
                throw new InvalidOptionException(ignored.Option.Name, string.Join(" ", ignored.Tokens.Select(t => t.Value)),
                    "a resumed run keeps the options of its checkpoint: only --epochs (the new total), --json, --timeline, --dashboard and the cluster-mode options go with --resume");
            resumed = RunFolder.Open(resume);
            checkpoint = Checkpoint.Load(resumed.CheckpointPath);
            options = checkpoint.Options;
            if (r.GetResult(Epochs) is { Implicit: false }) options = options with { Epochs = r.GetValue(Epochs) };
            if (options.Epochs <= checkpoint.Epoch)
                throw r.GetResult(Epochs) is { Implicit: false }
                    ? new InvalidOptionException("--epochs", options.Epochs.ToString(),
                        $"expected a new total above the {checkpoint.Epoch} epochs the run in {resume} has done")
                    : new InvalidOptionException("--resume", resume,
                        $"the run has done all its {checkpoint.Epoch} epochs; give --epochs with a new total above {checkpoint.Epoch}");
        }
        else options = Bind(r);
        var node = Node(r);
        if (node is not null && resumed is null)
            options = options with
            {
                Workers = r.GetResult(Workers) is { Implicit: false } ? options.Workers : 0,
                MinWorkers = r.GetValue(MinWorkers) ?? 1,
            };
        else if (node is not null)
            options = options with { Workers = options.MinWorkers is null ? 0 : options.Workers, MinWorkers = r.GetValue(MinWorkers) ?? options.MinWorkers ?? 1 };
        else if (options.MinWorkers is not null)
            throw new InvalidOptionException("--resume", r.GetValue(Resume)!, "this run trained in cluster mode: give --listen HOST:PORT (and the secret) to resume it");
        TrainingOptionsValidator.Validate(options);
        var timelineOptions = Timeline.Bind(r);
        var dashboardOptions = DashboardCliOptions.Bind(r);
        if (resumed is null) RunFolder.PathFor(r.GetValue(Output)!, r.GetValue(Name), options); // refuses a --name in use before the data loads
        // Before the data loads: the page shows the loading, and a port in use is refused before any wait.
        await using var dashboard = dashboardOptions is null ? null : await TrainingDashboard.StartAsync(dashboardOptions, cancellation);
        if (dashboard is not null) Console.Error.WriteLine(dashboard.Announcement(dashboardOptions!));

        using IProgressReporter reporter = r.GetValue(Json) ? new JsonReporter() : new ConsoleReporter(options.Epochs);
        reporter.Started($"loading {options.Dataset}{(options.DataPath is null ? "" : $" from {options.DataPath}")} ...");
        var data = TrainingData.Load(options);
        var setup = TrainingSetup.Create(options, data, checkpoint);
        if (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine("dpt: interrupted while loading the data; nothing was written");
            return CliProgram.Interrupted;
        }
        // Only now that the data loaded and the run is set up: a run that cannot start leaves no folder behind.
        var run = resumed ?? RunFolder.Create(r.GetValue(Output)!, r.GetValue(Name), options);
        if (checkpoint is not null) run.TruncateMetrics(checkpoint.Epoch);
        reporter.Started(Describe(setup, run, checkpoint));
        dashboard?.Describe(setup, run, cluster: node is not null);
        var timeline = timelineOptions is null ? null : new TimelineRecording(timelineOptions);
        var runTimeline = timeline?.StartRun("dpt train", setup.Version);
        var summary = reporter is ConsoleReporter console
            ? await console.RunAsync(() => TrainingSession.RunAsync(setup, run, reporter, options.StopAtAccuracy, cancellation, node, runTimeline, dashboard))
            : await TrainingSession.RunAsync(setup, run, reporter, options.StopAtAccuracy, cancellation, node, runTimeline, dashboard);
        reporter.Finished(summary);
        // Written once the actors are gone, so that every span they recorded is in.
        if (timeline is not null) reporter.Notice(timeline.Write());
        return summary.Interrupted ? CliProgram.Interrupted : CliProgram.Ok;
    }

    /// <summary>The options that only mean something with --listen.</summary>
    private static IEnumerable<Option> ClusterOnly => new Option[] { PublicHost, MinWorkers, SecretFile, TlsCert, TlsKey }.Concat(ClusterCliOptions.All);

    /// <summary>Cluster mode's node options from --listen and its companions; null in local mode (and then
    /// the companions must not be given).</summary>
    private static NodeOptions? Node(ParseResult r)
    {
        if (r.GetValue(Listen) is not { } listen)
        {
            if (r.CommandResult.Children.OfType<OptionResult>().FirstOrDefault(o => !o.Implicit && ClusterOnly.Contains(o.Option)) is { } stray)
                throw new InvalidOptionException(stray.Option.Name, string.Join(" ", stray.Tokens.Select(t => t.Value)), "it belongs to cluster mode: give --listen HOST:PORT too");
            return null;
        }
        if (!HostPort.TryParse(listen, HostPort.DefaultCoordinatorPort, out var at, out string error))
            throw new InvalidOptionException("--listen", listen, $"expected HOST[:PORT], e.g. 0.0.0.0:{HostPort.DefaultCoordinatorPort} ({error})");
        return new NodeOptions
        {
            Listen = at.Value,
            PublicHost = r.GetValue(PublicHost),
            Secret = ClusterSecret.Load(r.GetValue(SecretFile)),
            TlsCertificate = r.GetValue(TlsCert),
            TlsKey = r.GetValue(TlsKey),
            Cluster = ClusterCliOptions.Bind(r),
            SharedMemoryBytes = ClusterCliOptions.SharedMemoryBytes(r),
            SharedMemoryDirectory = ClusterCliOptions.SharedMemoryDirectory(r),
            LogLevel = r.GetValue(ClusterCliOptions.LogLevel),
        };
    }

    private static string Describe(TrainingSetup s, RunFolder run, Checkpoint? resumed)
    {
        var o = s.Options;
        string data = $"{s.Data.Train.Count:N0} training" + (s.Data.Validation is { } v ? $", {v.Count:N0} validation" : "")
                      + (s.Data.Test is { } t ? $", {t.Count:N0} test" : "") + " samples";
        string from = resumed is null ? "" : $"; resuming at epoch {resumed.Epoch + 1}, step {resumed.Step}";
        return $"training {s.Model.Spec} on {o.Dataset} ({data}) with {(o.MinWorkers is { } min ? $"at least {min} workers ({o.Workers} local)" : $"{o.Workers} worker{(o.Workers == 1 ? "" : "s")}")}; {o.Optimizer}, "
               + $"{o.CreateSchedule(o.Epochs)}, batch {o.BatchSize}, {o.Epochs} epochs, seed {o.Seed}{from}; run folder {run.Path}";
    }

    private static TrainingOptions Bind(ParseResult r) => new()
    {
        Dataset = r.GetValue(Dataset)!,
        DataPath = r.GetValue(Data),
        TestPath = r.GetValue(TestData),
        LabelColumn = r.GetValue(LabelColumn),
        SyntheticCount = r.GetValue(Samples),
        Scaling = r.GetValue(Scaling),
        ValidationSplit = r.GetValue(ValidationSplit),
        Hidden = r.GetValue(Layers)!,
        Activation = r.GetValue(ActivationOption),
        LeakySlope = r.GetValue(LeakySlope),
        Loss = r.GetValue(Loss),
        Init = r.GetValue(Init),
        Optimizer = OptimizerOptionErrors.Build(() => new OptimizerOptions
        {
            Kind = r.GetValue(Optimizer),
            Momentum = r.GetValue(Momentum),
            Beta1 = r.GetValue(Beta1),
            Beta2 = r.GetValue(Beta2),
            Epsilon = r.GetValue(Epsilon),
            WeightDecay = r.GetValue(WeightDecay),
        }),
        LearningRate = r.GetValue(LearningRate),
        ClipNorm = r.GetValue(ClipNorm),
        Schedule = r.GetValue(Schedule),
        Decay = r.GetValue(Decay),
        StepSize = r.GetValue(StepSize),
        MinLearningRate = r.GetValue(MinLr),
        WarmupSteps = r.GetValue(Warmup),
        BatchSize = r.GetValue(BatchSize),
        Epochs = r.GetValue(Epochs),
        Workers = r.GetValue(Workers),
        ParameterServerShards = r.GetValue(PsShards),
        Seed = r.GetValue(Seed),
        Balance = r.GetValue(Balance),
        StopAtAccuracy = r.GetValue(TargetAccuracy),
    };
}
