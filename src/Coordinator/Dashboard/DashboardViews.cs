// What the dashboard's JSON endpoints and its event stream send: plain records, serialised with snake_case
// names (the names of dpt train --json where they mean the same). Epochs are numbered from 1, as printed;
// a loss or accuracy that is not a finite number (a diverged run, an empty set) is null.
using System.Text.Json;
using System.Text.Json.Serialization;
using Dpt.Training;

namespace Dpt.Coordinator.Dashboard;

internal static class DashboardJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static double? Finite(double value) => double.IsFinite(value) ? value : null;

    public static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}

/// <summary>What the run is, fixed once its data is loaded; <c>MinWorkers</c> only in cluster mode (null in local mode, where it means nothing).</summary>
internal sealed record RunDescription(string Mode, string Dataset, string Model, string Optimizer, string Schedule, int BatchSize, int Epochs,
    int StepsPerEpoch, int TrainSamples, int? TestSamples, int? ValidationSamples, ulong Seed, string RunFolder, int StartEpoch, int LocalWorkers, int? MinWorkers);

/// <summary>Where a step's time went, in milliseconds: compute (the workers' mean), straggler (the slowest minus the mean),
/// optimizer (the parameter server) and communication (the rest) add up to the step.</summary>
internal sealed record SplitView(double StepMs, double ComputeMs, double StragglerMs, double OptimizerMs, double CommunicationMs);

/// <summary>/api/run: the run's description and where it stands.</summary>
/// <param name="Status">loading, waiting, training, finished or failed.</param>
/// <param name="Detail">What the status line says: what it waits for, why it stopped.</param>
/// <param name="Epoch">Epochs completed.</param>
/// <param name="Step">Steps applied in the run, counting those before a resume.</param>
/// <param name="StepInEpoch">Steps applied in the epoch of the last step (null before the first).</param>
/// <param name="SamplesPerS">Training samples per second of step time over the last seconds of training.</param>
/// <param name="ElapsedS">Seconds since this process began the run (set-up done), until it ended.</param>
internal sealed record RunView(string Status, string? Detail, RunDescription? Run, int Epoch, long Step, int? StepInEpoch, int Workers,
    double SamplesPerS, SplitView? SplitMs, double? Loss, double? LearningRate, double ElapsedS);

/// <summary>/api/epochs: one completed epoch, as dpt train --json prints it.</summary>
internal sealed record EpochView(int Epoch, long Steps, double? TrainLoss, double? TrainAccuracy, double? TestLoss, double? TestAccuracy,
    double? ValidationLoss, double? ValidationAccuracy, double SamplesPerS, double EpochS, double ElapsedS, float LearningRate, int Workers)
{
    public static EpochView Of(EpochReport r) =>
        new(r.Epoch + 1, r.Steps, DashboardJson.Finite(r.TrainLoss), DashboardJson.Finite(r.TrainAccuracy), DashboardJson.Finite(r.TestLoss),
            DashboardJson.Finite(r.TestAccuracy), DashboardJson.Finite(r.ValidationLoss), DashboardJson.Finite(r.ValidationAccuracy),
            r.SamplesPerSecond, r.EpochSeconds, r.ElapsedSeconds, r.LearningRate, r.Workers);
}

/// <summary>One point of the per-step curves: the mean over steps [first_step, last_step] (numbered from 0 over the run).</summary>
internal sealed record StepPointView(long FirstStep, long LastStep, int Epoch, double? Loss, double? Accuracy, double StepMs, double ComputeMs,
    double StragglerMs, double OptimizerMs, double CommunicationMs, float LearningRate)
{
    public static StepPointView Of(StepPoint p)
    {
        double Ms(double seconds) => seconds / p.Steps * 1e3;
        return new(p.FirstStep, p.LastStep, p.Epoch + 1, DashboardJson.Finite(p.MeanLoss), DashboardJson.Finite(p.Accuracy), Ms(p.StepSeconds),
            Ms(p.ComputeSeconds), Ms(p.StragglerSeconds), Ms(p.OptimizerSeconds), Ms(p.CommunicationSeconds), p.LearningRate);
    }
}

/// <summary>/api/steps: the per-step curves, downsampled.</summary>
/// <param name="Steps">Steps applied in the run so far (this process).</param>
internal sealed record StepsView(long Steps, IReadOnlyList<StepPointView> Points);

/// <summary>/api/workers: one worker.</summary>
/// <param name="Node">The worker's node as "host:port", or "in process" for a local worker.</param>
/// <param name="SamplesPerS">Its samples per second of step time over the last seconds of training.</param>
/// <param name="ComputeSamplesPerS">Its samples per second of its own compute time (its speed when busy) over the same steps.</param>
/// <param name="Share">Its fraction of the samples of those steps.</param>
/// <param name="LastShardAgoS">Seconds since the coordinator learned of the last applied step with a shard of it.</param>
/// <param name="LastHeartbeatAgoS">Cluster mode: seconds since the worker's node last answered the coordinator's heartbeat
/// (every --heartbeat-interval while it is alive); null for a worker in this process, which has none.</param>
internal sealed record WorkerView(string Name, string Node, string State, double SamplesPerS, double? ComputeSamplesPerS, double Share,
    long Shards, long Samples, double? MeanComputeMs, double? LastShardAgoS, double? LastHeartbeatAgoS);

/// <summary>One event of /api/events: everything the page shows; <see cref="Epochs"/> are the epochs from number
/// <see cref="EpochsFrom"/> + 1 on (the stream sends each epoch once), the rest replaces what the page had.</summary>
internal sealed record DashboardUpdate(RunView Run, int EpochsFrom, IReadOnlyList<EpochView> Epochs, StepsView Steps, IReadOnlyList<WorkerView> Workers);
