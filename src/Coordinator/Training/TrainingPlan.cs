// What a training run will do, fixed before its first step: data sizes, batch, epochs and when to stop.
using Dpt.Training;

namespace Dpt.Coordinator.Training;

public sealed record TrainingPlan
{
    /// <summary>Samples in the training set.</summary>
    public required int TrainCount { get; init; }

    /// <summary>Samples per step over all workers; the last step of an epoch takes what is left.</summary>
    public required int GlobalBatch { get; init; }

    /// <summary>Epochs of the whole run, counting those done before a resume.</summary>
    public required int Epochs { get; init; }

    /// <summary>The first epoch to run: 0, or the checkpoint's next epoch on resume.</summary>
    public int StartEpoch { get; init; }

    /// <summary>The first step to run within <see cref="StartEpoch"/>: 0, or where a stopped run left off.</summary>
    public int StartStepInEpoch { get; init; }

    /// <summary>Stop after this many steps in total (used by benchmarks); null for no limit.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Samples in the test set, scored after each epoch; 0 to skip.</summary>
    public int TestCount { get; init; }

    /// <summary>Samples in the validation set, scored after each epoch; 0 to skip.</summary>
    public int ValidationCount { get; init; }

    public ShardSplit Balance { get; init; } = ShardSplit.Proportional;

    /// <summary>Workers required before the first step.</summary>
    public int MinWorkers { get; init; } = 1;

    /// <summary>Stop after the first epoch whose test accuracy reaches this fraction; null to run all epochs.</summary>
    public double? StopAtAccuracy { get; init; }

    /// <summary>Wall time spent before a resume, so elapsed times continue.</summary>
    public double ElapsedBefore { get; init; }

    public int StepsPerEpoch => (TrainCount + GlobalBatch - 1) / GlobalBatch;

    /// <summary>Positions of the epoch's order covered by its step <paramref name="stepInEpoch"/>.</summary>
    public SampleRange BatchOf(int stepInEpoch)
    {
        int start = stepInEpoch * GlobalBatch;
        return new SampleRange(start, Math.Min(GlobalBatch, TrainCount - start));
    }

    /// <summary>Throws one message naming the first inconsistent value.</summary>
    public void Validate()
    {
        if (TrainCount <= 0) throw new ArgumentException($"the training set is empty ({TrainCount} samples)");
        if (GlobalBatch <= 0) throw new ArgumentException($"batch size {GlobalBatch} must be positive");
        if (Epochs <= 0) throw new ArgumentException($"epochs {Epochs} must be positive");
        if (StartEpoch < 0 || StartEpoch > Epochs) throw new ArgumentException($"start epoch {StartEpoch} must be in [0, {Epochs}]");
        if (StartStepInEpoch < 0 || StartStepInEpoch >= StepsPerEpoch)
            throw new ArgumentException($"start step {StartStepInEpoch} must be in [0, {StepsPerEpoch}) within an epoch");
        if (MaxSteps is <= 0) throw new ArgumentException($"max steps {MaxSteps} must be positive");
        if (MinWorkers <= 0) throw new ArgumentException($"minimum workers {MinWorkers} must be positive");
        if (StopAtAccuracy is < 0 or > 1) throw new ArgumentException($"stop accuracy {StopAtAccuracy} must be in [0, 1]");
    }
}
