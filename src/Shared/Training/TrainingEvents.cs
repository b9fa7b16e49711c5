// What the coordinator reports while it trains, to a listener actor: the command line's progress
// display, a run folder writer, a test probe or a dashboard.
using Dpt.Model;
using static Dpt.Training.ParameterServerProtocol;

namespace Dpt.Training;

/// <summary>Where one step's wall time went, as seen by the coordinator.</summary>
/// <param name="StepSeconds">From sending the step's shards to learning that it was applied.</param>
/// <param name="SlowestComputeSeconds">The longest time a worker spent computing its shard.</param>
/// <param name="MeanComputeSeconds">The mean of the workers' compute times.</param>
/// <param name="ApplySeconds">The parameter server's time to average the gradients and apply the optimizer.</param>
public readonly record struct StepTimes(double StepSeconds, double SlowestComputeSeconds, double MeanComputeSeconds, double ApplySeconds)
{
    /// <summary>Time the fastest workers spend waiting for the slowest (on average).</summary>
    public double StragglerSeconds => SlowestComputeSeconds - MeanComputeSeconds;

    /// <summary>What remains: messages, serialisation, wake-ups and the network.</summary>
    public double CommunicationSeconds => Math.Max(0, StepSeconds - SlowestComputeSeconds - ApplySeconds);
}

/// <summary>One finished epoch. Losses are means per sample; accuracies are fractions in [0, 1].</summary>
public sealed record EpochReport(
    int Epoch, long Steps, double TrainLoss, double TrainAccuracy,
    double? TestLoss, double? TestAccuracy, double? ValidationLoss, double? ValidationAccuracy,
    double SamplesPerSecond, double EpochSeconds, double ElapsedSeconds, float LearningRate, int Workers);

public static class TrainingEvents
{
    /// <summary>
    /// Sent by the coordinator to its listener when it starts waiting for workers, and again each time the count
    /// changes while it waits: before the first step it needs its plan's minimum of registered
    /// workers, and once training has begun, one (with none left it keeps its step and resumes it when one registers).
    /// </summary>
    /// <param name="Registered">Workers registered now.</param>
    /// <param name="Required">Workers it needs to go on.</param>
    public sealed record WaitingForWorkers(int Registered, int Required)
    {
        public override string ToString() => $"waiting for workers: {Registered} of {Required} registered";
    }

    /// <summary>
    /// Sent by the coordinator to its listener about ten times a second, and before every other event: the
    /// steps applied since the last batch. Batching spares the listener a thread wake-up per step, which on
    /// a machine whose cores are all computing would be taken from a worker.
    /// </summary>
    public sealed record StepsCompleted(IReadOnlyList<StepCompleted> Steps);

    /// <summary>One applied step, as reported in <see cref="StepsCompleted"/>; <see cref="Timestamp"/> is
    /// <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> when the coordinator learned of it.</summary>
    public sealed record StepCompleted(long Step, int Epoch, int StepInEpoch, int StepsPerEpoch, BatchMetrics Metrics,
        float LearningRate, StepTimes Times, int Workers, long Timestamp)
    {
        /// <summary>The step's accepted shards: which worker computed which samples, and how long it took (per-worker
        /// throughput for the dashboard); empty where a report does not carry them.</summary>
        public IReadOnlyList<ShardReport> Shards { get; init; } = [];
    }

    /// <summary>Sent by the coordinator to its listener after each epoch's evaluation.</summary>
    public sealed record EpochCompleted(EpochReport Report);

    /// <summary>
    /// Sent by the coordinator to its listener after each epoch (and when stopped early): state to save, from
    /// which training resumes at step <see cref="StepInEpoch"/> of epoch <see cref="Epoch"/>.
    /// </summary>
    public sealed record CheckpointReady(int Epoch, int StepInEpoch, long Step, double ElapsedSeconds, Snapshot Snapshot);

    /// <summary>Sent by the coordinator to its listener when training ends normally.</summary>
    public sealed record TrainingFinished(int Epochs, long Steps, double ElapsedSeconds, string Reason, Snapshot Final);

    /// <summary>Sent by the coordinator to its listener when training cannot go on.</summary>
    /// <param name="DivergedAtStep">Set when training diverged: the step whose loss, or whose parameters, are not finite
    /// numbers. No checkpoint of that step was reported, so the last one saved holds finite parameters.</param>
    public sealed record TrainingFailed(string Reason, long? DivergedAtStep = null);

    /// <summary>Sent by the coordinator to its listener when a worker joins or is lost.</summary>
    public sealed record WorkersChanged(IReadOnlyList<string> Workers, string Change);
}
