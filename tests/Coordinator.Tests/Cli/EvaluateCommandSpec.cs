// `dpt evaluate MODEL` run as a real process on the model of a small training run: it must score the
// same data the run scored the same way, and refuse damaged files and unfitting data in one line.
using System.Text.Json;

namespace Dpt.Coordinator.Tests.Cli;

[Collection(DptProcesses.Name)]
public sealed class EvaluateCommandSpec(TrainedRun run) : IClassFixture<TrainedRun>
{
    private string ModelPath => Path.Combine(run.Folder, "model.dpt");

    /// <summary>The run's own test set: the synthetic set is regenerated from the same count and seed.</summary>
    private string[] Arguments(string model, params string[] more) =>
        ["evaluate", model, "--dataset", "blobs", "--samples", $"{TrainedRun.Samples}", "--seed", $"{TrainedRun.Seed}", .. more];

    [Fact]
    public async Task Json_accuracy_must_equal_the_final_test_accuracy_of_the_run_and_the_confusion_matrix_must_count_every_sample()
    {
        var result = await DptProcess.RunAsync(Arguments(ModelPath, "--json"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonDocument.Parse(Assert.Single(result.OutputLines)).RootElement;
        Assert.Equal(TrainedRun.TestSamples, json.GetProperty("samples").GetInt32());
        Assert.Equal(run.EpochLines[^1].GetProperty("test_accuracy").GetDouble(), json.GetProperty("accuracy").GetDouble());
        Assert.Equal(run.EpochLines[^1].GetProperty("test_loss").GetDouble(), json.GetProperty("loss").GetDouble(), 5);
        var confusion = json.GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetInt32()).ToArray()).ToArray();
        Assert.Equal(4, confusion.Length);
        Assert.All(confusion, row => Assert.Equal(4, row.Length));
        Assert.Equal(TrainedRun.TestSamples, confusion.Sum(row => row.Sum()));
        int correct = Enumerable.Range(0, 4).Sum(i => confusion[i][i]);
        Assert.Equal((double)correct / TrainedRun.TestSamples, json.GetProperty("accuracy").GetDouble(), 12);
    }

    [Fact]
    public async Task Without_data_options_it_must_score_the_synthetic_test_set_the_model_was_trained_with()
    {
        var result = await DptProcess.RunAsync("evaluate", ModelPath, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonDocument.Parse(Assert.Single(result.OutputLines)).RootElement;
        Assert.Equal("blobs", json.GetProperty("dataset").GetString());
        Assert.Equal(TrainedRun.TestSamples, json.GetProperty("samples").GetInt32());
        Assert.Equal(run.EpochLines[^1].GetProperty("test_accuracy").GetDouble(), json.GetProperty("accuracy").GetDouble());
    }

    [Fact]
    public async Task A_csv_file_with_some_of_the_classes_must_be_scored_with_the_models_class_numbering()
    {
        using var directory = new TempDirectory();
        // Three named classes, each marked by one large feature: a model learns them perfectly.
        string[] classes = ["cat", "dog", "eel"];
        var random = new Random(17);
        string Row(int c) => string.Join(",", Enumerable.Range(0, 3).Select(f => (f == c ? 5 : 0) + random.NextDouble() * 0.1)
            .Select(x => x.ToString("F3", System.Globalization.CultureInfo.InvariantCulture))) + "," + classes[c];
        File.WriteAllLines(directory.File("train.csv"), ["a,b,c,animal", .. Enumerable.Range(0, 90).Select(i => Row(i % 3))]);
        File.WriteAllLines(directory.File("dogs-and-eels.csv"), ["a,b,c,animal", .. Enumerable.Range(0, 20).Select(i => Row(1 + i % 2))]);
        var trained = await DptProcess.RunAsync("train", "--dataset", "csv", "--data", directory.File("train.csv"), "--layers", "8", "--epochs", "30",
            "--batch-size", "10", "--lr", "0.1", "--workers", "1", "--seed", "2", "--output", directory.Path, "--name", "csv", "--json");
        Assert.True(trained.ExitCode == 0, trained.ToString());
        Assert.Equal(1.0, JsonDocument.Parse(trained.OutputLines[^1]).RootElement.GetProperty("train_accuracy").GetDouble());

        var result = await DptProcess.RunAsync("evaluate", Path.Combine(directory.File("csv"), "model.dpt"), "--data", directory.File("dogs-and-eels.csv"), "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonDocument.Parse(Assert.Single(result.OutputLines)).RootElement;
        Assert.Equal(classes, json.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(1.0, json.GetProperty("accuracy").GetDouble());
    }

    [Fact]
    public async Task Tables_on_a_pipe_must_be_plain_text_with_percentages_without_a_space()
    {
        var result = await DptProcess.RunAsync(Arguments(ModelPath));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain('\u001b', result.StandardOutput);
        double accuracy = run.EpochLines[^1].GetProperty("test_accuracy").GetDouble();
        Assert.Contains(result.OutputLines, l => l.StartsWith($"accuracy {accuracy * 100:F2}%, mean loss ", StringComparison.Ordinal));
        Assert.Contains(result.OutputLines, l => l.StartsWith($"{ModelPath}: ", StringComparison.Ordinal) && l.EndsWith($"{TrainedRun.TestSamples} samples)", StringComparison.Ordinal));
        Assert.DoesNotMatch(@"\d %", result.StandardOutput);
    }

    [Fact]
    public async Task A_model_file_with_one_byte_changed_must_be_one_line_saying_it_is_damaged_with_exit_code_1()
    {
        using var directory = new TempDirectory();
        string damaged = directory.File("model.dpt");
        var bytes = File.ReadAllBytes(ModelPath);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(damaged, bytes);

        DptAssert.Failure(await DptProcess.RunAsync(Arguments(damaged)), damaged, "damaged");
    }

    [Fact]
    public async Task A_truncated_model_file_must_be_one_line_saying_it_is_damaged_with_exit_code_1()
    {
        using var directory = new TempDirectory();
        string truncated = directory.File("model.dpt");
        var bytes = File.ReadAllBytes(ModelPath);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length - 100)]);

        DptAssert.Failure(await DptProcess.RunAsync(Arguments(truncated)), truncated, "damaged or truncated");
    }

    [Fact]
    public async Task A_file_that_is_no_model_or_none_at_all_must_be_one_line_with_exit_code_1()
    {
        string config = Path.Combine(run.Folder, "config.json");
        DptAssert.Failure(await DptProcess.RunAsync(Arguments(config)), config, "not a model file");

        string checkpoint = Path.Combine(run.Folder, "checkpoint.dpt");
        DptAssert.Failure(await DptProcess.RunAsync(Arguments(checkpoint)), checkpoint, "not a model file");

        string missing = Path.Combine(run.Folder, "missing.dpt");
        DptAssert.Failure(await DptProcess.RunAsync(Arguments(missing)), missing, "cannot read");
    }

    [Fact]
    public async Task Data_with_another_number_of_features_than_the_model_takes_must_be_one_line_with_exit_code_1()
    {
        var result = await DptProcess.RunAsync("evaluate", ModelPath, "--dataset", "random", "--samples", "50");

        DptAssert.Failure(result, "random", "784 features", "takes 2");
    }

    [Theory]
    [InlineData("--split foo", "--split", "'foo'", "test or train")]
    [InlineData("--samples abc", "--samples", "'abc'", "an integer from 10 to 10000000")]
    [InlineData("--samples 3", "--samples", "'3'", "an integer from 10 to 10000000")]
    [InlineData("--dataset nope", "--dataset", "'nope'", "one of fashion-mnist, mnist, csv, spirals, xor, blobs, random")]
    [InlineData("--seed x", "--seed", "'x'", "a non-negative integer")]
    [InlineData("--nonsense", "'--nonsense'", "is not an option", "dpt evaluate --help")]
    public async Task An_invalid_option_must_be_one_line_naming_option_value_and_what_is_accepted_with_exit_code_2(
        string options, string option, string value, string accepted)
    {
        DptAssert.UsageError(await DptProcess.RunAsync(["evaluate", ModelPath, .. options.Split(' ')]), option, value, accepted);
    }

    [Fact]
    public async Task A_missing_model_argument_must_be_one_line_with_exit_code_2()
    {
        DptAssert.UsageError(await DptProcess.RunAsync("evaluate", "--json"), "MODEL", "missing", "model file");
    }
}
