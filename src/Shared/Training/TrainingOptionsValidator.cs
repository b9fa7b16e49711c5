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

    public static void Validate(TrainingOptions o)
    {
        if (!Datasets.Contains(o.Dataset))
            Fail("--dataset", o.Dataset, $"expected one of {string.Join(", ", Datasets)}");
        if (o.Dataset == "csv" && string.IsNullOrWhiteSpace(o.DataPath))
            Fail("--data", "", "the csv data set needs --data PATH naming the training CSV file");
        if (o.SyntheticCount is < 10 or > 10_000_000)
            Fail("--samples", o.SyntheticCount, "expected an integer from 10 to 10000000");
        if (!(o.ValidationSplit >= 0 && o.ValidationSplit < 1))
            Fail("--validation-split", o.ValidationSplit, "expected a fraction in [0, 1)");
        if (o.Hidden.Length > 32 || o.Hidden.Any(h => h is < 1 or > 65_536))
            Fail("--layers", string.Join(",", o.Hidden), "expected up to 32 comma-separated hidden layer sizes from 1 to 65536 (empty for none)");
        if (!(o.LeakySlope >= 0 && o.LeakySlope < 1))
            Fail("--leaky-slope", o.LeakySlope, "expected a number in [0, 1)");
        if (!(float.IsFinite(o.LearningRate) && o.LearningRate > 0))
            Fail("--lr", o.LearningRate, "expected a finite number > 0");
        switch (o.Schedule)
        {
            case ScheduleKind.Step or ScheduleKind.Exponential when o.Decay is { } g && !(g > 0 && g <= 1):
                Fail("--decay", g, $"the {o.Schedule.ToString().ToLowerInvariant()} schedule multiplies the rate by a factor in (0, 1]");
                break;
            case ScheduleKind.InverseTime when o.Decay is { } k && !(float.IsFinite(k) && k >= 0):
                Fail("--decay", k, "the inverse-time schedule needs k >= 0 in lr0 / (1 + k*epoch)");
                break;
            case ScheduleKind.Cosine when o.MinLearningRate is { } min && !(min > 0 && min < o.LearningRate):
                Fail("--min-lr", min, $"expected a number in (0, --lr = {Format(o.LearningRate)})");
                break;
        }
        if (o.StepSize < 1) Fail("--step-size", o.StepSize, "expected a whole number of epochs >= 1");
        if (o.WarmupSteps < 0) Fail("--warmup", o.WarmupSteps, "expected a number of steps >= 0");
        if (o.ClipNorm is { } clip && !(float.IsFinite(clip) && clip > 0))
            Fail("--clip-norm", clip, "expected a finite number > 0");
        if (o.BatchSize is < 1 or > MaxBatch) Fail("--batch-size", o.BatchSize, $"expected an integer from 1 to {MaxBatch}");
        if (o.Epochs is < 1 or > 100_000) Fail("--epochs", o.Epochs, "expected an integer from 1 to 100000");
        if (o.Workers is < 1 or > MaxWorkers) Fail("--workers", o.Workers, $"expected an integer from 1 to {MaxWorkers}");
        if (o.ParameterServerShards is < 1 or > 64)
            Fail("--ps-shards", o.ParameterServerShards, "expected an integer from 1 to 64");
        if (o.ParameterServerShards is > 1 && o.ClipNorm is not null)
            Fail("--ps-shards", o.ParameterServerShards, "clipping by global norm (--clip-norm) needs the whole gradient in one shard: use 1");
        if (o.StopAtAccuracy is { } a && !(a > 0 && a <= 1))
            Fail("--target-accuracy", a, "expected a fraction in (0, 1]");
    }

    private static void Fail(string option, object value, string accepted) =>
        throw new InvalidOptionException(option, Format(value), accepted);

    private static string Format(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
}
