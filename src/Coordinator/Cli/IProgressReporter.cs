// How a training session shows its progress: a live console display or one JSON object per epoch.
using Dpt.CommandLine;
using Dpt.Training;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Cli;

internal interface IProgressReporter : IDisposable
{
    void Started(string description);
    void Step(StepCompleted step);
    void Epoch(EpochReport report);
    void Notice(string message);
    void Waiting(WaitingForWorkers waiting);
    void Finished(TrainingSummary summary);
}

/// <summary>What a finished session prints last.</summary>
/// <param name="ResumeCommand">How to continue an interrupted run; null when it ran to its end.</param>
internal sealed record TrainingSummary(string RunPath, string Reason, int Epochs, long Steps, double ElapsedSeconds,
    EpochReport? Last, EpochReport? Best, double? TargetAccuracy, EpochReport? FirstAtTarget, string? ResumeCommand = null)
{
    public bool Interrupted => ResumeCommand is not null;
}
