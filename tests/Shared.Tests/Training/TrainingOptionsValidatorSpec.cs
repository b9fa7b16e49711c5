// Every rule of the options validator must refuse its bad values with one message naming the option as
// typed on the command line, the value and what is accepted, and accept the values at its edges; the
// defaults must validate.
using Dpt.Training;

namespace Dpt.Shared.Tests.Training;

public class TrainingOptionsValidatorSpec
{
    /// <summary>A valid starting point on synthetic data (the defaults name Fashion-MNIST, which needs no path either).</summary>
    private static readonly TrainingOptions Valid = new() { Dataset = "blobs", Workers = 2 };

    [Fact]
    public void The_defaults_must_validate()
    {
        TrainingOptionsValidator.Validate(new TrainingOptions());
        TrainingOptionsValidator.Validate(Valid);
    }

    public static TheoryData<string, TrainingOptions, string, string, string> Refused => new()
    {
        // case, options, option as typed, value as shown, what is accepted
        { "unknown data set", Valid with { Dataset = "imagenet" }, "--dataset", "imagenet", "one of fashion-mnist, mnist, csv, spirals, xor, blobs, random" },
        { "csv without a path", Valid with { Dataset = "csv" }, "--data", "", "the csv data set needs --data PATH" },
        { "too few samples", Valid with { SyntheticCount = 9 }, "--samples", "9", "an integer from 10 to 10000000" },
        { "too many samples", Valid with { SyntheticCount = 10_000_001 }, "--samples", "10000001", "an integer from 10 to 10000000" },
        { "validation split of 1", Valid with { ValidationSplit = 1 }, "--validation-split", "1", "a fraction in [0, 1)" },
        { "negative validation split", Valid with { ValidationSplit = -0.1 }, "--validation-split", "-0.1", "a fraction in [0, 1)" },
        { "NaN validation split", Valid with { ValidationSplit = double.NaN }, "--validation-split", "NaN", "a fraction in [0, 1)" },
        { "empty hidden layer", Valid with { Hidden = [10, 0] }, "--layers", "10,0", "hidden layer sizes from 1 to 65536" },
        { "huge hidden layer", Valid with { Hidden = [65_537] }, "--layers", "65537", "hidden layer sizes from 1 to 65536" },
        { "33 hidden layers", Valid with { Hidden = Enumerable.Repeat(2, 33).ToArray() }, "--layers", "2,2,2", "up to 32" },
        { "leaky slope of 1", Valid with { LeakySlope = 1 }, "--leaky-slope", "1", "a number in [0, 1)" },
        { "zero learning rate", Valid with { LearningRate = 0 }, "--lr", "0", "a finite number > 0" },
        { "infinite learning rate", Valid with { LearningRate = float.PositiveInfinity }, "--lr", "Infinity", "a finite number > 0" },
        { "NaN learning rate", Valid with { LearningRate = float.NaN }, "--lr", "NaN", "a finite number > 0" },
        { "step decay above 1", Valid with { Schedule = ScheduleKind.Step, Decay = 1.5f }, "--decay", "1.5", "the step schedule multiplies the rate by a factor in (0, 1]" },
        { "exponential decay of 0", Valid with { Schedule = ScheduleKind.Exponential, Decay = 0 }, "--decay", "0", "the exponential schedule multiplies the rate by a factor in (0, 1]" },
        { "negative inverse-time k", Valid with { Schedule = ScheduleKind.InverseTime, Decay = -1 }, "--decay", "-1", "k >= 0" },
        { "cosine floor above lr", Valid with { Schedule = ScheduleKind.Cosine, MinLearningRate = 0.1f }, "--min-lr", "0.1", "a number in (0, --lr = 0.05)" },
        { "step size 0", Valid with { StepSize = 0 }, "--step-size", "0", "a whole number of epochs >= 1" },
        { "negative warm-up", Valid with { WarmupSteps = -1 }, "--warmup", "-1", "a number of steps >= 0" },
        { "zero clip norm", Valid with { ClipNorm = 0 }, "--clip-norm", "0", "a finite number > 0" },
        { "batch of 0", Valid with { BatchSize = 0 }, "--batch-size", "0", "an integer from 1 to 1048576" },
        { "batch too large", Valid with { BatchSize = (1 << 20) + 1 }, "--batch-size", "1048577", "an integer from 1 to 1048576" },
        { "0 epochs", Valid with { Epochs = 0 }, "--epochs", "0", "an integer from 1 to 100000" },
        { "0 workers", Valid with { Workers = 0 }, "--workers", "0", "an integer from 1 to 256" },
        { "257 workers", Valid with { Workers = 257 }, "--workers", "257", "an integer from 1 to 256" },
        { "0 shards", Valid with { ParameterServerShards = 0 }, "--ps-shards", "0", "an integer from 1 to 64" },
        { "65 shards", Valid with { ParameterServerShards = 65 }, "--ps-shards", "65", "an integer from 1 to 64" },
        { "shards with clipping", Valid with { ParameterServerShards = 2, ClipNorm = 1 }, "--ps-shards", "2", "(--clip-norm) needs the whole gradient in one shard: use 1" },
        { "target accuracy 0", Valid with { StopAtAccuracy = 0 }, "--target-accuracy", "0", "a fraction in (0, 1]" },
        { "target accuracy above 1", Valid with { StopAtAccuracy = 1.5 }, "--target-accuracy", "1.5", "a fraction in (0, 1]" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Each_rule_must_name_the_option_the_value_and_what_is_accepted(string @case, TrainingOptions options, string option, string value, string accepted)
    {
        var e = Assert.Throws<InvalidOptionException>(() => TrainingOptionsValidator.Validate(options));

        Assert.True(e.Option == option, $"{@case}: reported as {e.Option}");
        Assert.StartsWith(value, e.Value);
        Assert.Contains(accepted, e.Accepted);
        Assert.Equal($"{option}: '{e.Value}' is not valid; {e.Accepted}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    public static TheoryData<string, TrainingOptions> AtTheEdges => new()
    {
        { "10 samples", Valid with { SyntheticCount = 10 } },
        { "validation split just below 1", Valid with { ValidationSplit = 0.999 } },
        { "no hidden layers", Valid with { Hidden = [] } },
        { "32 hidden layers of 65536", Valid with { Hidden = Enumerable.Repeat(65_536, 32).ToArray() } },
        { "leaky slope 0", Valid with { LeakySlope = 0 } },
        { "step decay 1", Valid with { Schedule = ScheduleKind.Step, Decay = 1 } },
        { "inverse-time k 0", Valid with { Schedule = ScheduleKind.InverseTime, Decay = 0 } },
        { "decay ignored by the constant schedule", Valid with { Decay = 7 } },
        { "one shard with clipping", Valid with { ParameterServerShards = 1, ClipNorm = 1 } },
        { "64 shards", Valid with { ParameterServerShards = 64 } },
        { "batch of 2^20", Valid with { BatchSize = 1 << 20 } },
        { "256 workers", Valid with { Workers = 256 } },
        { "100000 epochs", Valid with { Epochs = 100_000 } },
        { "target accuracy 1", Valid with { StopAtAccuracy = 1 } },
    };

    [Theory]
    [MemberData(nameof(AtTheEdges))]
    public void The_values_at_the_edges_of_each_range_must_validate(string @case, TrainingOptions options)
    {
        var e = Record.Exception(() => TrainingOptionsValidator.Validate(options));
        Assert.True(e is null, $"{@case}: {e?.Message}");
    }

    [Fact]
    public void The_accepted_values_it_quotes_must_be_those_of_its_messages()
    {
        var e = Assert.Throws<InvalidOptionException>(() => TrainingOptionsValidator.Validate(Valid with { BatchSize = 0 }));

        Assert.Equal($"expected {TrainingOptionsValidator.Accepted.BatchSize}", e.Accepted);
    }
}
