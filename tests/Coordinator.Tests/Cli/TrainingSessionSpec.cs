// Ctrl-C during `dpt train`, sent as SIGINT to a real process: it must stop after the step under way,
// write the checkpoint of that step, say how to resume, exit with 130, and the resumed run must
// finish the interrupted epoch where it stopped.
using System.Text.Json;
using Dpt.Coordinator.Runs;

namespace Dpt.Coordinator.Tests.Cli;

[Collection(DptProcesses.Name)]
public sealed class TrainingSessionSpec
{
    // Epochs of about a tenth of a second (20,000 samples in batches of 16 on one worker), far more than
    // the test waits for: only an interruption ends this run in time.
    private const int Samples = 20_000, BatchSize = 16, Epochs = 10_000;
    private const int StepsPerEpoch = (Samples + BatchSize - 1) / BatchSize;

    [SignalFact]
    public async Task Ctrl_C_must_stop_after_the_current_step_write_its_checkpoint_and_say_how_to_resume()
    {
        using var output = new TempDirectory();
        string folder = output.File("run");
        using var dpt = DptProcess.Start([
            "train", "--dataset", "blobs", "--samples", $"{Samples}", "--layers", "8", "--batch-size", $"{BatchSize}", "--workers", "1",
            "--epochs", $"{Epochs}", "--seed", "5", "--output", output.Path, "--name", "run",
        ]);
        await dpt.WaitForLineAsync(l => l.StartsWith("epoch ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        dpt.Interrupt();
        var result = await dpt.WaitForExitAsync(TimeSpan.FromSeconds(15));

        Assert.True(result.ExitCode == 130, $"expected exit code 130 (interrupted)\n{result}");
        Assert.Contains($"continue with: dpt train --resume {folder}", result.OutputLines);
        Assert.Contains(result.OutputLines, l => l.Contains("stopped because") && l.Contains("interrupted"));
        var checkpoint = Checkpoint.Load(Path.Combine(folder, "checkpoint.dpt"));
        Assert.True(checkpoint.Epoch < Epochs, $"the run was not interrupted: checkpoint at epoch {checkpoint.Epoch}");
        Assert.Equal((long)checkpoint.Epoch * StepsPerEpoch + checkpoint.StepInEpoch, checkpoint.Step);
        // Only finished epochs are reported: the epoch the interruption cut short has no row.
        var metrics = File.ReadAllLines(Path.Combine(folder, "metrics.csv"));
        Assert.Equal(checkpoint.Epoch, metrics.Length - 1);
        if (checkpoint.Epoch > 0) Assert.Equal((long)checkpoint.Epoch * StepsPerEpoch, long.Parse(metrics[^1].Split(',')[1]));
        Assert.True(File.Exists(Path.Combine(folder, "model.dpt")));

        // The resumed run finishes the epoch the interruption cut short, and the metrics keep one row per epoch.
        var resumed = await DptProcess.RunAsync("train", "--resume", folder, "--epochs", $"{checkpoint.Epoch + 1}", "--json");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var last = JsonDocument.Parse(resumed.OutputLines[^1]).RootElement;
        Assert.Equal(checkpoint.Epoch + 1, last.GetProperty("epoch").GetInt32());
        Assert.Equal((long)(checkpoint.Epoch + 1) * StepsPerEpoch, last.GetProperty("steps").GetInt64());
        var epochs = File.ReadAllLines(Path.Combine(folder, "metrics.csv")).Skip(1).Select(l => int.Parse(l.Split(',')[0]));
        Assert.Equal(Enumerable.Range(1, checkpoint.Epoch + 1), epochs);
    }
}
