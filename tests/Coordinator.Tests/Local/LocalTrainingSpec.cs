// Synchronous data-parallel SGD must be one algorithm whatever the number of workers: N workers on
// shards of a batch equal one worker on the whole batch, up to the rounding of the sums.
using Dpt.Coordinator.Local;
using Dpt.Coordinator.Runs;
using Xunit.Abstractions;
using Dpt.Coordinator.Training;
using Dpt.Training;
using static Dpt.Coordinator.Tests.Local.LocalRun;

namespace Dpt.Coordinator.Tests.Local;

public class LocalTrainingSpec(ITestOutputHelper output)
{
    // The reference workload's shapes on synthetic data, so the test needs no data set installed.
    private static TrainingOptions Reference(int workers, ShardSplit balance = ShardSplit.Proportional) => new()
    {
        Dataset = "random",
        SyntheticCount = 4096,
        Hidden = [256, 128],
        BatchSize = 128,
        Workers = workers,
        Seed = 7,
        Balance = balance,
    };

    // Learnable data of the reference shapes (10 Gaussian blobs in 784 dimensions). Random labels would make
    // the test chaotic: fitting noise amplifies the last-bit differences of another summation order past 1e-4.
    private static readonly Lazy<TrainingData> ReferenceData = new(() =>
    {
        var all = Dpt.Data.SyntheticData.GaussianBlobs(4096, 10, 784, 0.5, 7);
        return new TrainingData(all, null, null, Dpt.Data.FeatureScaler.Fit(Dpt.Data.ScalingKind.None, all));
    });

    private static Task<LocalRunResult> Steps(TrainingOptions options, int steps, TrainingData? data = null) =>
        RunAsync(TrainingSetup.Create(options, data ?? ReferenceData.Value, maxSteps: steps, evaluate: false));

    [Fact]
    public void Lanes_must_spin_when_idle_only_with_two_or_more_workers_and_no_more_than_cores()
    {
        Assert.Equal(TimeSpan.Zero, LocalTraining.SystemSettings(1).ThreadSpinDuration);
        Assert.Equal(TimeSpan.Zero, LocalTraining.SystemSettings(Environment.ProcessorCount + 1).ThreadSpinDuration);
        if (Environment.ProcessorCount >= 2)
            Assert.Equal(LocalTraining.LaneSpinDuration, LocalTraining.SystemSettings(2).ThreadSpinDuration);
        var logged = new Dpt.Actors.ActorSystemSettings { Throughput = 5 };
        Assert.Equal(5, LocalTraining.SystemSettings(2, logged).Throughput);
        LocalTraining.SystemSettings(2).Validate();
    }

    [Fact]
    public async Task One_to_four_workers_and_sharded_servers_must_reach_the_same_parameters_after_50_steps()
    {
        var one = await Steps(Reference(1), 50);
        Assert.Equal(50, one.Finished.Steps);
        for (int workers = 2; workers <= 4; workers++)
            foreach (int shards in new[] { 1, 2 })
            {
                var many = await Steps(Reference(workers) with { ParameterServerShards = shards }, 50);
                Assert.Equal(50, many.Finished.Steps);
                double difference = RelativeDifference(one.Parameters, many.Parameters);
                output.WriteLine($"{workers} workers, {shards} parameter-server shards: relative L2 difference {difference:G3}");
                Assert.True(difference < 1e-4, $"{workers} workers with {shards} shards differ from one by {difference:G3} (relative L2)");
            }
    }

    [Fact]
    public async Task The_same_run_twice_must_be_bit_identical()
    {
        var first = await Steps(Reference(3, ShardSplit.Equal), 50);
        var second = await Steps(Reference(3, ShardSplit.Equal), 50);
        Assert.Equal(first.Parameters, second.Parameters);
    }

    [Fact]
    public async Task Training_must_move_the_parameters_and_lower_the_loss()
    {
        var options = new TrainingOptions { Dataset = "blobs", SyntheticCount = 2000, Hidden = [16], Workers = 2, BatchSize = 50, Epochs = 5, Seed = 3 };
        var data = TrainingData.Load(options);
        var run = await RunAsync(TrainingSetup.Create(options, data));
        var epochs = run.Epochs.ToList();
        Assert.Equal(5, epochs.Count);
        Assert.True(epochs[^1].TrainLoss < epochs[0].TrainLoss, $"loss went from {epochs[0].TrainLoss} to {epochs[^1].TrainLoss}");
        Assert.True(epochs[^1].TestAccuracy > 0.9, $"test accuracy {epochs[^1].TestAccuracy} on separable blobs");
    }

    [Fact]
    public async Task Resuming_from_a_checkpoint_must_continue_exactly_as_an_uninterrupted_run()
    {
        var options = new TrainingOptions { Dataset = "xor", SyntheticCount = 1000, Hidden = [8], Activation = Dpt.Model.Activation.Tanh,
            Workers = 2, BatchSize = 64, Epochs = 4, Seed = 5, Balance = ShardSplit.Equal, Schedule = ScheduleKind.InverseTime,
            Optimizer = new() { Kind = Dpt.Optimization.OptimizerKind.Adam } };
        var data = TrainingData.Load(options);
        var straight = await RunAsync(TrainingSetup.Create(options, TrainingData.Load(options)));

        var firstHalf = await RunAsync(TrainingSetup.Create(options with { Epochs = 2 }, data));
        var c = firstHalf.LastCheckpoint;
        string path = Path.Combine(Path.GetTempPath(), $"dpt-resume-{Guid.NewGuid():N}.dpt");
        new Checkpoint(options with { Epochs = 2 }, c.Epoch, c.StepInEpoch, c.Step, c.ElapsedSeconds, c.Snapshot.Parameters, c.Snapshot.OptimizerState).Save(path);
        var loaded = Checkpoint.Load(path);
        File.Delete(path);
        var resumed = await RunAsync(TrainingSetup.Create(loaded.Options with { Epochs = 4 }, TrainingData.Load(options), loaded));

        Assert.Equal(straight.Finished.Steps, resumed.Finished.Steps);
        Assert.Equal(straight.Parameters, resumed.Parameters);
    }
}
