// Learning-rate schedules at hand-computed steps, warm-up, ToString and validation.
using Dpt.Optimization;

namespace Dpt.Shared.Tests.Optimization;

public class LearningRateScheduleSpec
{
    private const int StepsPerEpoch = 100;

    [Fact]
    public void Constant_must_never_change()
    {
        var schedule = LearningRateSchedule.Constant(0.1f);
        Assert.Equal(0.1f, schedule.At(0, StepsPerEpoch));
        Assert.Equal(0.1f, schedule.At(1_000_000_000_000, StepsPerEpoch));
    }

    [Theory]
    [InlineData(0L, 0.1)]
    [InlineData(199L, 0.1)]     // epoch 1: no drop yet
    [InlineData(200L, 0.05)]    // epoch 2: first drop
    [InlineData(399L, 0.05)]
    [InlineData(400L, 0.025)]
    [InlineData(650L, 0.0125)]  // epoch 6: three drops
    public void StepDecay_must_drop_by_gamma_every_step_size_whole_epochs(long step, double expected)
    {
        Assert.Equal(expected, LearningRateSchedule.StepDecay(0.1f, 0.5f, stepSize: 2).At(step, StepsPerEpoch), 1e-8);
    }

    [Theory]
    [InlineData(0L, 0.1)]
    [InlineData(100L, 0.05)]
    [InlineData(150L, 0.035355339059327376)] // 0.1·0.5^1.5: smooth within an epoch
    [InlineData(300L, 0.0125)]
    public void Exponential_must_be_lr0_times_gamma_to_the_fractional_epoch(long step, double expected)
    {
        Assert.Equal(expected, LearningRateSchedule.Exponential(0.1f, 0.5f).At(step, StepsPerEpoch), 1e-8);
    }

    [Theory]
    [InlineData(0L, 0.05)]
    [InlineData(100L, 0.045454545454545456)] // 0.05 / 1.1
    [InlineData(250L, 0.04)]                 // 0.05 / 1.25
    [InlineData(1000L, 0.025)]
    public void InverseTime_must_be_lr0_over_one_plus_k_times_the_fractional_epoch(long step, double expected)
    {
        Assert.Equal(expected, LearningRateSchedule.InverseTime(0.05f, 0.1f).At(step, StepsPerEpoch), 1e-8);
    }

    [Theory]
    [InlineData(0L, 0.1)]
    [InlineData(250L, 0.08550178566870734)] // 0.001 + 0.099·(1 + cos(π/4))/2
    [InlineData(500L, 0.0505)]              // half-way: the mean of lr0 and lrMin
    [InlineData(1000L, 0.001)]
    [InlineData(5000L, 0.001)]              // stays at lrMin afterwards
    public void Cosine_must_go_from_lr0_to_lr_min_over_total_epochs(long step, double expected)
    {
        Assert.Equal(expected, LearningRateSchedule.Cosine(0.1f, 0.001f, totalEpochs: 10).At(step, StepsPerEpoch), 1e-8);
    }

    [Fact]
    public void Warmup_must_rise_linearly_from_lr_over_w_to_the_scheduled_value()
    {
        var constant = LearningRateSchedule.Constant(0.1f).WithWarmup(4);
        Assert.Equal([0.025f, 0.05f, 0.075f, 0.1f, 0.1f, 0.1f], Enumerable.Range(0, 6).Select(t => constant.At(t, StepsPerEpoch)));

        // Warm-up scales the decayed value of the same step.
        var decaying = LearningRateSchedule.InverseTime(0.05f, 0.1f).WithWarmup(100);
        Assert.Equal(0.05 / 100, decaying.At(0, 1000), 1e-9);
        Assert.Equal(0.05 / (1 + 0.1 * 49 / 1000.0) * 50 / 100, decaying.At(49, 1000), 1e-9);
        Assert.Equal(0.05 / (1 + 0.1 * 99 / 1000.0), decaying.At(99, 1000), 1e-9);
        Assert.Equal(0.05 / (1 + 0.1 * 100 / 1000.0), decaying.At(100, 1000), 1e-9);
    }

    [Fact]
    public void ToString_must_read_as_the_schedule_and_its_warmup()
    {
        Assert.Equal("inverse-time(lr0=0.05, k=0.1) + warmup 100 steps", LearningRateSchedule.InverseTime(0.05f, 0.1f).WithWarmup(100).ToString());
        Assert.Equal("constant(lr0=0.1)", LearningRateSchedule.Constant(0.1f).ToString());
        Assert.Equal("step-decay(lr0=0.1, gamma=0.5, every 2 epochs)", LearningRateSchedule.StepDecay(0.1f, 0.5f, 2).ToString());
        Assert.Equal("exponential(lr0=0.1, gamma=0.95)", LearningRateSchedule.Exponential(0.1f, 0.95f).ToString());
        Assert.Equal("cosine(lr0=0.1, lrMin=0.001, over 10 epochs) + warmup 5 steps", LearningRateSchedule.Cosine(0.1f, 0.001f, 10).WithWarmup(5).ToString());
    }

    [Fact]
    public void Schedules_must_compare_by_value()
    {
        Assert.Equal(LearningRateSchedule.StepDecay(0.1f, 0.5f, 2), LearningRateSchedule.StepDecay(0.1f, 0.5f, 2));
        Assert.NotEqual(LearningRateSchedule.StepDecay(0.1f, 0.5f, 2), LearningRateSchedule.StepDecay(0.1f, 0.5f, 2).WithWarmup(10));
        Assert.NotEqual<LearningRateSchedule>(LearningRateSchedule.Exponential(0.1f, 0.5f), LearningRateSchedule.Constant(0.1f));
    }

    public static TheoryData<Func<object>, string, string> InvalidSchedules() => new()
    {
        { () => LearningRateSchedule.Constant(0f), "lr0", "lr0 must be finite and > 0; got 0" },
        { () => LearningRateSchedule.Constant(float.NaN), "lr0", "lr0 must be finite and > 0; got NaN" },
        { () => LearningRateSchedule.StepDecay(0.1f, 1.5f, 2), "gamma", "gamma must be in (0, 1]; got 1.5" },
        { () => LearningRateSchedule.StepDecay(0.1f, 0.5f, 0), "stepSize", "stepSize must be >= 1; got 0" },
        { () => LearningRateSchedule.Exponential(0.1f, 0f), "gamma", "gamma must be in (0, 1]; got 0" },
        { () => LearningRateSchedule.InverseTime(0.1f, -0.1f), "k", "k must be finite and >= 0; got -0.1" },
        { () => LearningRateSchedule.Cosine(0.1f, 0.2f, 10), "lrMin", "lrMin must be in (0, lr0] = (0, 0.1]; got 0.2" },
        { () => LearningRateSchedule.Cosine(0.1f, 0f, 10), "lrMin", "lrMin must be in (0, lr0] = (0, 0.1]; got 0" },
        { () => LearningRateSchedule.Cosine(0.1f, 0.01f, 0), "totalEpochs", "totalEpochs must be >= 1; got 0" },
        { () => LearningRateSchedule.Constant(0.1f).WithWarmup(-1), "warmupSteps", "warmupSteps must be >= 0; got -1" },
        { () => LearningRateSchedule.Constant(0.1f).At(-1, 10), "step", "step must be >= 0; got -1" },
        { () => LearningRateSchedule.Constant(0.1f).At(0, 0), "stepsPerEpoch", "stepsPerEpoch must be >= 1; got 0" },
    };

    [Theory, MemberData(nameof(InvalidSchedules))]
    public void Every_parameter_must_be_validated_with_a_message_naming_it(Func<object> create, string parameter, string message)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => create());
        Assert.Equal(parameter, error.ParamName);
        Assert.StartsWith(message, error.Message);
    }
}
