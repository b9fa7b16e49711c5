// --json: one JSON object per epoch on standard output, nothing else there; notices go to standard error.
using Dpt.CommandLine;
using System.Text.Json;
using Dpt.Training;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Cli;

internal sealed class JsonReporter : IProgressReporter
{
    private static readonly JsonSerializerOptions Options = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public void Started(string description) => Console.Error.WriteLine(description);

    public void Step(StepCompleted step) { }

    public void Epoch(EpochReport r)
    {
        var line = new Dictionary<string, object?>
        {
            ["epoch"] = r.Epoch + 1,
            ["steps"] = r.Steps,
            ["train_loss"] = r.TrainLoss,
            ["train_accuracy"] = r.TrainAccuracy,
            ["test_loss"] = r.TestLoss,
            ["test_accuracy"] = r.TestAccuracy,
            ["validation_loss"] = r.ValidationLoss,
            ["validation_accuracy"] = r.ValidationAccuracy,
            ["samples_per_s"] = r.SamplesPerSecond,
            ["epoch_s"] = r.EpochSeconds,
            ["elapsed_s"] = r.ElapsedSeconds,
            ["learning_rate"] = r.LearningRate,
            ["workers"] = r.Workers,
        };
        Console.Out.WriteLine(JsonSerializer.Serialize(line, Options));
        Console.Out.Flush();
    }

    public void Notice(string message) => Console.Error.WriteLine(message);

    public void Waiting(WaitingForWorkers waiting) => Console.Error.WriteLine(waiting.ToString());

    public void Finished(TrainingSummary s) =>
        Console.Error.WriteLine($"finished: {s.Reason}; {s.Epochs} epoch{(s.Epochs == 1 ? "" : "s")}, {s.Steps} step{(s.Steps == 1 ? "" : "s")} in {s.ElapsedSeconds:F1} s; run folder {s.RunPath}"
                                + (s.ResumeCommand is { } resume ? $"; continue with: {resume}" : ""));

    public void Dispose() { }
}
