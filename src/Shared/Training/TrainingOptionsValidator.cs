// Checks a TrainingOptions before any data is read or actor started, and throws one message naming
// the option (as typed on the command line), the value and what is accepted.
using System.Globalization;
using Dpt.Model;

namespace Dpt.Training;

public static class TrainingOptionsValidator
{
    public static readonly string[] Datasets = ["fashion-mnist", "mnist", "csv", "spirals", "xor", "blobs", "random"];

    public const int MaxBatch = 1 << 20;
    public const int MaxWorkers = 256;

    /// <summary>Most workers a cluster-mode run waits for (shards are at least one sample each).</summary>
    public const int MaxClusterWorkers = 4096;
    public const int MaxEpochs = 100_000;
    public const int MaxParameterServerShards = 64;

    /// <summary>What each option accepts, in the words of the messages (they read "expected " and this).
    /// The command line quotes the same words when a value does not even parse.</summary>
    public static class Accepted
    {
        public static readonly string Dataset = $"one of {string.Join(", ", Datasets)}";
        public const string Samples = "an integer from 10 to 10000000";
        public const string ValidationSplit = "a fraction in [0, 1)";
        public const string Layers = "up to 32 comma-separated hidden layer sizes from 1 to 65536 (empty for none)";
        public const string LeakySlope = "a number in [0, 1)";
        public const string LearningRate = "a finite number > 0";
        public const string StepSize = "a whole number of epochs >= 1";
        public const string Warmup = "a number of steps >= 0";
        public const string ClipNorm = "a finite number > 0";
        public static readonly string BatchSize = $"an integer from 1 to {MaxBatch}";
        public static readonly string Epochs = $"an integer from 1 to {MaxEpochs}";
        public static readonly string Workers = $"an integer from 1 to {MaxWorkers}";
        public static readonly string ClusterWorkers = $"an integer from 0 to {MaxWorkers} (local workers beside the coordinator)";
        public static readonly string MinWorkers = $"an integer from 1 to {MaxClusterWorkers}";
        public static readonly string ParameterServerShards = $"an integer from 1 to {MaxParameterServerShards}";
        public const string TargetAccuracy = "a fraction in (0, 1]";

        // Checked by OptimizerOptions as it is built: an instance can never hold an invalid value.
        public const string Momentum = "a number in [0, 1)";
        public const string Beta = "a number in [0, 1)";
        public const string Epsilon = "a finite number > 0";
        public const string WeightDecay = "a finite number >= 0";
    }

    public static void Validate(TrainingOptions o)
    {
        if (!Datasets.Contains(o.Dataset))
            Fail("--dataset", o.Dataset, Accepted.Dataset);
        if (o.Dataset == "csv" && string.IsNullOrWhiteSpace(o.DataPath))
            throw new InvalidOptionException("--data", "", "the csv data set needs --data PATH naming the training CSV file");
        if (o.SyntheticCount is < 10 or > 10_000_000)
            Fail("--samples", o.SyntheticCount, Accepted.Samples);
        if (!(o.ValidationSplit >= 0 && o.ValidationSplit < 1))
            Fail("--validation-split", o.ValidationSplit, Accepted.ValidationSplit);
        if (o.Hidden.Length > 32 || o.Hidden.Any(h => h is < 1 or > 65_536))
            Fail("--layers", string.Join(",", o.Hidden), Accepted.Layers);
        if (!(o.LeakySlope >= 0 && o.LeakySlope < 1))
            Fail("--leaky-slope", o.LeakySlope, Accepted.LeakySlope);
        if (!(float.IsFinite(o.LearningRate) && o.LearningRate > 0))
            Fail("--lr", o.LearningRate, Accepted.LearningRate);
        switch (o.Schedule)
        {
            case ScheduleKind.Step or ScheduleKind.Exponential when o.Decay is { } g && !(g > 0 && g <= 1):
                throw new InvalidOptionException("--decay", Format(g),
                    $"the {o.Schedule.ToString().ToLowerInvariant()} schedule multiplies the rate by a factor in (0, 1]");
            case ScheduleKind.InverseTime when o.Decay is { } k && !(float.IsFinite(k) && k >= 0):
                throw new InvalidOptionException("--decay", Format(k), "the inverse-time schedule needs k >= 0 in lr0 / (1 + k*epoch)");
            case ScheduleKind.Cosine when o.MinLearningRate is { } min && !(min > 0 && min < o.LearningRate):
                Fail("--min-lr", min, $"a number in (0, --lr = {Format(o.LearningRate)})");
                break;
        }
        if (o.StepSize < 1) Fail("--step-size", o.StepSize, Accepted.StepSize);
        if (o.WarmupSteps < 0) Fail("--warmup", o.WarmupSteps, Accepted.Warmup);
        if (o.ClipNorm is { } clip && !(float.IsFinite(clip) && clip > 0))
            Fail("--clip-norm", clip, Accepted.ClipNorm);
        if (o.BatchSize is < 1 or > MaxBatch) Fail("--batch-size", o.BatchSize, Accepted.BatchSize);
        if (o.Epochs is < 1 or > MaxEpochs) Fail("--epochs", o.Epochs, Accepted.Epochs);
        if (o.MinWorkers is null && o.Workers is < 1 or > MaxWorkers) Fail("--workers", o.Workers, Accepted.Workers);
        if (o.MinWorkers is not null && o.Workers is < 0 or > MaxWorkers) Fail("--workers", o.Workers, Accepted.ClusterWorkers);
        if (o.MinWorkers is < 1 or > MaxClusterWorkers) Fail("--min-workers", o.MinWorkers.Value, Accepted.MinWorkers);
        if (o.ParameterServerShards is < 1 or > MaxParameterServerShards)
            Fail("--ps-shards", o.ParameterServerShards, Accepted.ParameterServerShards);
        if (o.ParameterServerShards is > 1 && o.ClipNorm is not null)
            throw new InvalidOptionException("--ps-shards", Format(o.ParameterServerShards),
                "clipping by global norm (--clip-norm) needs the whole gradient in one shard: use 1");
        if (o.StopAtAccuracy is { } a && !(a > 0 && a <= 1))
            Fail("--target-accuracy", a, Accepted.TargetAccuracy);
    }

    /// <summary>Throws "OPTION: 'VALUE' is not valid; expected ACCEPTED".</summary>
    private static void Fail(string option, object? value, string accepted) =>
        throw new InvalidOptionException(option, Format(value), $"expected {accepted}");

    private static string Format(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
}
