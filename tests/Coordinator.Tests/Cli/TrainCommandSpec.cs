// `dpt train` run as a real process: a bad option value is one line and exit code 2 before anything is
// read or written; --json prints one object per epoch; the run folder holds what a resumed run and
// `dpt evaluate` need; bad data is one line and exit code 1; progress on a pipe is plain lines.
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dpt.Coordinator.Runs;
using Dpt.Data;
using Dpt.Model;
using Dpt.Training;

namespace Dpt.Coordinator.Tests.Cli;

[Collection(DptProcesses.Name)]
public sealed class TrainCommandSpec(TrainedRun run) : IClassFixture<TrainedRun>
{
    /// <summary>A run that would be quick if an invalid value slipped through; a case's own options replace these.</summary>
    private static readonly string[][] QuickRun =
        [["--dataset", "blobs"], ["--samples", "400"], ["--layers", "8"], ["--epochs", "1"], ["--workers", "1"]];

    [Theory]
    [InlineData("--batch-size 0", "--batch-size", "'0'", "an integer from 1 to 1048576")]
    [InlineData("--batch-size abc", "--batch-size", "'abc'", "an integer from 1 to 1048576")]
    [InlineData("--epochs -1", "--epochs", "'-1'", "an integer from 1 to 100000")]
    [InlineData("--epochs 99999999999", "--epochs", "'99999999999'", "an integer from 1 to 100000")]
    [InlineData("--lr 0", "--lr", "'0'", "a finite number > 0")]
    [InlineData("--lr nan", "--lr", "'nan'", "a finite number > 0")]
    [InlineData("--activation foo", "--activation", "'foo'", "one of sigmoid, tanh, relu, leaky-relu, linear")]
    [InlineData("--loss bar", "--loss", "'bar'", "one of softmax-cross-entropy, sigmoid-binary-cross-entropy, linear-mean-squared-error")]
    [InlineData("--optimizer baz", "--optimizer", "'baz'", "one of sgd, momentum, nesterov, adam")]
    [InlineData("--schedule qux", "--schedule", "'qux'", "one of constant, step, exponential, inverse-time, cosine")]
    [InlineData("--layers 10,x", "--layers", "'10,x'", "comma-separated hidden layer sizes from 1 to 65536")]
    [InlineData("--layers 10,0", "--layers", "'10,0'", "comma-separated hidden layer sizes from 1 to 65536")]
    [InlineData("--workers 0", "--workers", "'0'", "an integer from 1 to 256")]
    [InlineData("--validation-split 1.5", "--validation-split", "'1.5'", "a fraction in [0, 1)")]
    [InlineData("--dataset nope", "--dataset", "'nope'", "one of fashion-mnist, mnist, csv, spirals, xor, blobs, random")]
    [InlineData("--samples 5", "--samples", "'5'", "an integer from 10 to 10000000")]
    [InlineData("--momentum 1.5", "--momentum", "'1.5'", "a number in [0, 1)")]
    [InlineData("--beta2 2", "--beta2", "'2'", "a number in [0, 1)")]
    [InlineData("--eps 0", "--eps", "'0'", "a finite number > 0")]
    [InlineData("--weight-decay -0.1", "--weight-decay", "'-0.1'", "a finite number >= 0")]
    [InlineData("--clip-norm -1", "--clip-norm", "'-1'", "a finite number > 0")]
    [InlineData("--ps-shards 0", "--ps-shards", "'0'", "an integer from 1 to 64")]
    [InlineData("--ps-shards 2 --clip-norm 1", "--ps-shards", "'2'", "needs the whole gradient in one shard: use 1")]
    [InlineData("--schedule step --decay 2", "--decay", "'2'", "(0, 1]")]
    [InlineData("--target-accuracy 1.5", "--target-accuracy", "'1.5'", "a fraction in (0, 1]")]
    [InlineData("--seed -1", "--seed", "'-1'", "a non-negative integer")]
    [InlineData("--nonsense", "'--nonsense'", "is not an option", "dpt train --help")]
    [InlineData("--epochs", "--epochs", "value is missing", "an integer from 1 to 100000")]
    [InlineData("--log-level debug", "--log-level", "'debug'", "it belongs to cluster mode")]
    public async Task An_invalid_option_must_be_one_line_naming_option_value_and_what_is_accepted_with_exit_code_2(
        string options, string option, string value, string accepted)
    {
        using var output = new TempDirectory();
        var given = options.Split(' ');
        string[] args = ["train", "--output", output.Path, .. QuickRun.Where(o => !given.Contains(o[0])).SelectMany(o => o), .. given];

        var result = await DptProcess.RunAsync(args);

        DptAssert.UsageError(result, option, value, accepted);
        Assert.Empty(output.Entries());
    }

    [Fact]
    public void Json_must_print_one_object_per_epoch_and_nothing_else_on_standard_output()
    {
        var lines = run.EpochLines;

        Assert.Equal(TrainedRun.Epochs, lines.Length);
        double previousElapsed = 0;
        for (int e = 0; e < lines.Length; e++)
        {
            var line = lines[e];
            Assert.Equal(e + 1, line.GetProperty("epoch").GetInt32());
            double loss = line.GetProperty("train_loss").GetDouble();
            Assert.True(double.IsFinite(loss) && loss > 0, $"train_loss {loss}");
            double accuracy = line.GetProperty("test_accuracy").GetDouble();
            Assert.InRange(accuracy, 0, 1);
            Assert.True(line.GetProperty("samples_per_s").GetDouble() > 0);
            double elapsed = line.GetProperty("elapsed_s").GetDouble();
            Assert.True(elapsed > previousElapsed, $"elapsed_s {elapsed} after {previousElapsed}");
            previousElapsed = elapsed;
        }
        Assert.DoesNotContain(run.Result.ErrorLines, l => l.Contains("Exception"));
    }

    [Fact]
    public void The_run_folder_must_hold_the_options_metrics_checkpoint_and_model_of_the_run()
    {
        var expected = new TrainingOptions
        {
            Dataset = "blobs", SyntheticCount = TrainedRun.Samples, Hidden = [8], Epochs = TrainedRun.Epochs, BatchSize = TrainedRun.BatchSize,
            Workers = TrainedRun.Workers, Seed = TrainedRun.Seed,
        };
        var config = JsonSerializer.Deserialize<TrainingOptions>(File.ReadAllText(Path.Combine(run.Folder, "config.json")), Checkpoint.Json)!;
        Assert.Equal(Serialized(expected), Serialized(config));

        var metrics = File.ReadAllLines(Path.Combine(run.Folder, "metrics.csv"));
        Assert.Equal(1 + TrainedRun.Epochs, metrics.Length);
        var header = metrics[0].Split(',');
        var json = run.EpochLines;
        for (int e = 0; e < TrainedRun.Epochs; e++)
        {
            var row = metrics[e + 1].Split(',');
            Assert.Equal(header.Length, row.Length);
            Assert.Equal($"{e + 1}", row[Array.IndexOf(header, "epoch")]);
            foreach (string column in new[] { "train_loss", "test_accuracy", "elapsed_s" })
            {
                double printed = json[e].GetProperty(column).GetDouble(), stored = double.Parse(row[Array.IndexOf(header, column)], CultureInfo.InvariantCulture);
                Assert.True(Math.Abs(printed - stored) <= 1e-5 * Math.Abs(printed), $"{column} of epoch {e + 1}: {stored} in metrics.csv, {printed} printed");
            }
        }

        var checkpoint = Checkpoint.Load(Path.Combine(run.Folder, "checkpoint.dpt"));
        Assert.Equal(Serialized(expected), Serialized(checkpoint.Options));
        Assert.Equal((TrainedRun.Epochs, 0), (checkpoint.Epoch, checkpoint.StepInEpoch));
        Assert.Equal(json[^1].GetProperty("steps").GetInt64(), checkpoint.Step);

        var model = ModelFile.Load(Path.Combine(run.Folder, "model.dpt"));
        Assert.Equal([2, 8, 4], model.Spec.LayerSizes);
        Assert.Equal("blobs", model.Dataset);
        Assert.Equal(checkpoint.Parameters, model.Parameters);
    }

    [Fact]
    public async Task Resume_must_train_the_further_epochs_and_continue_the_metrics()
    {
        using var copy = new TempDirectory();
        string folder = run.CopyTo(copy);
        var before = File.ReadAllLines(Path.Combine(folder, "metrics.csv"));

        var result = await DptProcess.RunAsync("train", "--resume", folder, "--epochs", $"{TrainedRun.Epochs + 1}", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var line = Assert.Single(result.OutputLines);
        var epoch = JsonDocument.Parse(line).RootElement;
        Assert.Equal(TrainedRun.Epochs + 1, epoch.GetProperty("epoch").GetInt32());
        Assert.True(epoch.GetProperty("elapsed_s").GetDouble() > run.EpochLines[^1].GetProperty("elapsed_s").GetDouble());
        var after = File.ReadAllLines(Path.Combine(folder, "metrics.csv"));
        Assert.Equal(before, after[..before.Length]);
        Assert.Equal(before.Length + 1, after.Length);
        Assert.StartsWith($"{TrainedRun.Epochs + 1},", after[^1]);
        Assert.Equal(TrainedRun.Epochs + 1, Checkpoint.Load(Path.Combine(folder, "checkpoint.dpt")).Epoch);
    }

    [Fact]
    public async Task Resume_without_epochs_left_to_train_must_be_one_line_asking_for_a_new_total_with_exit_code_2()
    {
        using var copy = new TempDirectory();
        string folder = run.CopyTo(copy);
        string done = $"{TrainedRun.Epochs}";

        DptAssert.UsageError(await DptProcess.RunAsync("train", "--resume", folder, "--json"), "--resume", folder, $"all its {done} epochs", "--epochs");
        DptAssert.UsageError(await DptProcess.RunAsync("train", "--resume", folder, "--epochs", done), "--epochs", $"'{done}'", $"above the {done} epochs");
        DptAssert.UsageError(await DptProcess.RunAsync("train", "--resume", folder, "--epochs", "1"), "--epochs", "'1'", $"above the {done} epochs");
    }

    [Fact]
    public async Task Resume_with_an_option_the_checkpoint_fixes_must_be_one_line_saying_which_options_go_with_it()
    {
        using var copy = new TempDirectory();
        string folder = run.CopyTo(copy);
        string[] Contents() => copy.Entries().Select(e => File.Exists(copy.File(e)) ? $"{e} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(copy.File(e))))}" : e).ToArray();
        var before = Contents();

        var result = await DptProcess.RunAsync("train", "--resume", folder, "--epochs", "5", "--lr", "0.5");

        DptAssert.UsageError(result, "--lr", "'0.5'", "only --epochs (the new total), --json, --timeline, --dashboard and the cluster-mode options go with --resume");
        Assert.Equal(before, Contents());
    }

    [Fact]
    public async Task Resume_from_a_folder_without_a_checkpoint_must_be_one_line_with_exit_code_2()
    {
        using var output = new TempDirectory();
        Directory.CreateDirectory(output.File("empty"));

        DptAssert.UsageError(await DptProcess.RunAsync("train", "--resume", output.File("empty")), "--resume", output.File("empty"), "checkpoint.dpt");
        DptAssert.UsageError(await DptProcess.RunAsync("train", "--resume", output.File("missing")), "--resume", output.File("missing"), "does not exist");
    }

    [Fact]
    public async Task Resume_from_a_damaged_checkpoint_must_say_it_is_damaged_with_exit_code_1()
    {
        using var copy = new TempDirectory();
        string folder = run.CopyTo(copy);
        string checkpoint = Path.Combine(folder, "checkpoint.dpt");
        var bytes = File.ReadAllBytes(checkpoint);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(checkpoint, bytes);

        var result = await DptProcess.RunAsync("train", "--resume", folder, "--json");

        DptAssert.Failure(result, checkpoint, "damaged");
    }

    [Fact]
    public async Task A_diverging_run_must_stop_at_the_first_step_whose_loss_is_NaN_write_no_model_and_say_what_to_change()
    {
        using var output = new TempDirectory();

        var result = await DptProcess.RunAsync("train", "--dataset", "blobs", "--samples", "2000", "--layers", "8", "--lr", "1e6",
            "--workers", "1", "--epochs", "50", "--seed", "1", "--output", output.Path, "--name", "run", "--json");

        // With --json the notices go to standard error too; the failure is its last line.
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("dpt: training failed: training diverged: the training loss of step 15 (epoch 1) is NaN. No model was written; it diverged in its "
                     + "first epoch, before any checkpoint. Train again with a smaller --lr (it is 1000000) or with --clip-norm", result.ErrorLines[^1]);
        Assert.DoesNotContain("   at ", result.StandardError);
        Assert.DoesNotContain(result.OutputLines, l => l.StartsWith('{')); // not one epoch finished
        Assert.False(File.Exists(Path.Combine(output.File("run"), "model.dpt")));
        Assert.False(File.Exists(Path.Combine(output.File("run"), "checkpoint.dpt")));
    }

    [Fact]
    public async Task A_name_in_use_must_be_refused_before_any_data_is_loaded()
    {
        using var output = new TempDirectory();
        Directory.CreateDirectory(output.File("taken"));
        File.WriteAllText(Path.Combine(output.File("taken"), "notes.txt"), "mine");

        var result = await DptProcess.RunAsync(TrainedRun.Arguments(output.Path, name: "taken"));

        DptAssert.UsageError(result, "--name", "'taken'", "choose another name");
        Assert.Equal(["taken", Path.Combine("taken", "notes.txt")], output.Entries());
    }

    [Fact]
    public async Task A_missing_fashion_mnist_directory_must_be_one_line_saying_how_to_install_it_and_leave_no_run_folder()
    {
        using var output = new TempDirectory();
        string missing = output.File("no-such-directory");

        var result = await DptProcess.RunAsync("train", "--dataset", "fashion-mnist", "--data", missing, "--epochs", "1", "--output", output.File("runs"));

        DptAssert.Failure(result, missing, MnistFormat.FashionMnistInstallCommand);
        Assert.Empty(output.Entries());
    }

    [SignalFact]
    public async Task Ctrl_C_while_the_data_loads_must_stop_with_exit_code_130_and_write_nothing()
    {
        using var output = new TempDirectory();
        // About a second of drawing samples: time to be interrupted, well within System.CommandLine's 2 s grace.
        using var dpt = DptProcess.Start(["train", "--dataset", "blobs", "--samples", "1500000", "--epochs", "1", "--output", output.Path]);
        await dpt.WaitForLineAsync(l => l.StartsWith("loading blobs", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        dpt.Interrupt();
        var result = await dpt.WaitForExitAsync(TimeSpan.FromSeconds(15));

        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Equal(["dpt: interrupted while loading the data; nothing was written"], result.ErrorLines);
        Assert.Empty(output.Entries());
    }

    [Fact]
    public async Task Malformed_csv_data_must_be_one_line_naming_the_file_and_the_place()
    {
        using var output = new TempDirectory();
        string csv = output.File("bad.csv");
        File.WriteAllText(csv, "a,b,label\n1,2,0\n3,x,1\n");

        var result = await DptProcess.RunAsync("train", "--dataset", "csv", "--data", csv, "--epochs", "1", "--output", output.File("runs"));

        DptAssert.Failure(result, csv, "line 3", "\"x\"");
        Assert.False(Directory.Exists(output.File("runs")));
    }

    [Fact]
    public async Task Progress_on_a_pipe_must_be_plain_lines_that_are_not_wrapped_and_percentages_without_a_space()
    {
        using var output = new TempDirectory();

        var result = await DptProcess.RunAsync(TrainedRun.Arguments(output.Path));

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.OutputLines;
        Assert.DoesNotContain('\u001b', result.StandardOutput);
        Assert.Single(lines, l => l.StartsWith("training ", StringComparison.Ordinal) && l.EndsWith($"run folder {output.File(TrainedRun.Name)}", StringComparison.Ordinal));
        var epochs = lines.Where(l => l.StartsWith("epoch ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(TrainedRun.Epochs, epochs.Length);
        Assert.All(epochs, l => Assert.Matches(@"^epoch +\d+/2  train loss \d+\.\d{4}  train acc \d+\.\d\d%  test acc \d+\.\d\d%  +[\d,]+ samples/s  elapsed +\d+\.\d s$", l));
        Assert.DoesNotMatch(new Regex(@"\d %"), result.StandardOutput);
        Assert.DoesNotContain(lines, l => l.StartsWith("waiting for workers", StringComparison.Ordinal)); // local workers register at once
        int top = Array.FindIndex(lines, l => l.TrimStart().StartsWith('╭'));
        Assert.True(top > 0, result.ToString());
        Assert.Contains("stopped because", lines[top + 1]); // no empty header row
    }

    private static string Serialized(TrainingOptions options) => JsonSerializer.Serialize(options, Checkpoint.Json);
}
