// A run folder must start with the run's options and an empty metrics table, never take over a folder
// in use, number its metrics rows by epoch from 1, and on resume keep exactly the epochs a checkpoint holds.
using System.Text.Json;
using Dpt.Coordinator.Runs;
using Dpt.Coordinator.Tests.Cli;
using Dpt.Training;

namespace Dpt.Coordinator.Tests.Runs;

public sealed class RunFolderSpec : IDisposable
{
    private const string Header =
        "epoch,steps,train_loss,train_accuracy,test_loss,test_accuracy,validation_loss,validation_accuracy,samples_per_s,epoch_s,elapsed_s,learning_rate,workers";

    private static readonly TrainingOptions Options = new() { Dataset = "spirals", Hidden = [16], Epochs = 4, Seed = 9 };

    private readonly TempDirectory _directory = new();

    private static EpochReport Report(int epoch, double? validation = null) =>
        new(epoch, Steps: 10L * (epoch + 1), TrainLoss: 1.0 / (epoch + 2), TrainAccuracy: 0.5 + epoch / 10.0, TestLoss: 0.75, TestAccuracy: 0.625,
            ValidationLoss: validation is null ? null : 0.5, ValidationAccuracy: validation, SamplesPerSecond: 123456.7, EpochSeconds: 0.25,
            ElapsedSeconds: 0.25 * (epoch + 1), LearningRate: 0.05f, Workers: 2);

    [Fact]
    public void Create_must_write_the_options_as_config_json_and_a_metrics_table_with_only_its_header()
    {
        var run = RunFolder.Create(_directory.Path, "first", Options);

        Assert.Equal(_directory.File("first"), run.Path);
        var config = JsonSerializer.Deserialize<TrainingOptions>(File.ReadAllText(run.ConfigPath), Checkpoint.Json)!;
        Assert.Equal(JsonSerializer.Serialize(Options, Checkpoint.Json), JsonSerializer.Serialize(config, Checkpoint.Json));
        Assert.Equal([Header], File.ReadAllLines(run.MetricsPath));
        Assert.False(File.Exists(run.CheckpointPath));
        Assert.False(File.Exists(run.ModelPath));
    }

    [Fact]
    public void Create_must_refuse_a_named_folder_that_holds_anything_and_use_an_empty_one()
    {
        Directory.CreateDirectory(_directory.File("used"));
        File.WriteAllText(Path.Combine(_directory.File("used"), "keep.txt"), "mine");
        Directory.CreateDirectory(_directory.File("empty"));

        var e = Assert.Throws<InvalidOptionException>(() => RunFolder.Create(_directory.Path, "used", Options));
        Assert.Equal(("--name", "used"), (e.Option, e.Value));
        Assert.Contains(_directory.File("used"), e.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(_directory.File("used"), "keep.txt")));
        Assert.Equal(_directory.File("empty"), RunFolder.Create(_directory.Path, "empty", Options).Path);
    }

    [Fact]
    public void Create_without_a_name_must_name_the_folder_after_the_time_and_data_set_and_never_reuse_one()
    {
        // Occupy the names of this second and the next few, so the run must take a numbered one.
        var now = DateTime.Now;
        string[] taken = Enumerable.Range(0, 5).Select(s => $"{now.AddSeconds(s):yyyyMMdd-HHmmss}-spirals").ToArray();
        foreach (string name in taken)
        {
            Directory.CreateDirectory(_directory.File(name));
            File.WriteAllText(Path.Combine(_directory.File(name), "config.json"), "{}");
        }

        var run = RunFolder.Create(_directory.Path, null, Options);

        Assert.Matches(@"^\d{8}-\d{6}-spirals-2$", Path.GetFileName(run.Path));
        Assert.Contains(Path.GetFileName(run.Path)[..^2], taken);
        Assert.All(taken, t => Assert.Equal("{}", File.ReadAllText(Path.Combine(_directory.File(t), "config.json"))));
    }

    [Fact]
    public void Open_must_refuse_a_missing_folder_and_one_without_a_checkpoint_under_the_resume_option()
    {
        var missing = Assert.Throws<InvalidOptionException>(() => RunFolder.Open(_directory.File("nowhere")));
        Assert.Equal(("--resume", _directory.File("nowhere")), (missing.Option, missing.Value));

        var run = RunFolder.Create(_directory.Path, "fresh", Options);
        var unfinished = Assert.Throws<InvalidOptionException>(() => RunFolder.Open(run.Path));
        Assert.Contains("checkpoint.dpt", unfinished.Message);

        File.WriteAllText(run.CheckpointPath, "");
        Assert.Equal(run.Path, RunFolder.Open(run.Path).Path);
    }

    [Fact]
    public void Metrics_rows_must_number_epochs_from_1_with_invariant_numbers_and_empty_cells_for_missing_sets()
    {
        var run = RunFolder.Create(_directory.Path, "run", Options);

        run.AppendMetrics(Report(0));
        run.AppendMetrics(Report(1, validation: 0.875));

        Assert.Equal(
        [
            Header,
            "1,10,0.5,0.5,0.75,0.625,,,123457,0.25,0.25,0.05,2",
            "2,20,0.333333,0.6,0.75,0.625,0.5,0.875,123457,0.25,0.5,0.05,2",
        ], File.ReadAllLines(run.MetricsPath));
    }

    [Fact]
    public void TruncateMetrics_must_keep_the_rows_of_the_completed_epochs_as_they_were_and_drop_the_rest()
    {
        var run = RunFolder.Create(_directory.Path, "run", Options);
        for (int epoch = 0; epoch < 4; epoch++) run.AppendMetrics(Report(epoch));
        var before = File.ReadAllLines(run.MetricsPath);

        run.TruncateMetrics(completedEpochs: 2);

        Assert.Equal(before[..3], File.ReadAllLines(run.MetricsPath));
        run.TruncateMetrics(completedEpochs: 0);
        Assert.Equal([Header], File.ReadAllLines(run.MetricsPath));
    }

    [Fact]
    public void TruncateMetrics_must_restore_a_deleted_metrics_table_with_its_header()
    {
        var run = RunFolder.Create(_directory.Path, "run", Options);
        File.Delete(run.MetricsPath);

        run.TruncateMetrics(completedEpochs: 3);

        Assert.Equal([Header], File.ReadAllLines(run.MetricsPath));
    }

    public void Dispose() => _directory.Dispose();
}
