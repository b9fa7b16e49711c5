// Everything a run needs before its first step, derived from its options, its data and (on resume) a
// checkpoint: the model, the initial parameters and optimizer state, and the plan the coordinator follows.
using Dpt.Coordinator.ParameterServer;
using Dpt.Coordinator.Runs;
using Dpt.Data;
using Dpt.Model;
using Dpt.Optimization;
using Dpt.Training;

namespace Dpt.Coordinator.Training;

public sealed record TrainingSetup(TrainingOptions Options, TrainingData Data, Mlp Model, float[] Parameters,
    OptimizerState OptimizerState, long Version, TrainingPlan Plan)
{
    /// <param name="maxSteps">Stop after this many steps in total (benchmarks); null to run the epochs.</param>
    /// <param name="evaluate">Score the held-out sets after each epoch.</param>
    public static TrainingSetup Create(TrainingOptions options, TrainingData data, Checkpoint? resume = null,
        long? maxSteps = null, bool evaluate = true)
    {
        TrainingOptionsValidator.Validate(options);
        var train = data.Train;
        var model = new Mlp(options.ModelFor(train));
        var optimizer = options.Optimizer.Create();
        var state = optimizer.CreateState(model.Layout.Length);
        float[] parameters;
        if (resume is null)
            parameters = Initializer.Create(model.Layout, options.InitFor(), options.Seed);
        else
        {
            if (resume.Parameters.Length != model.Layout.Length)
                throw new InvalidDataException($"the checkpoint has {resume.Parameters.Length} parameters; a {model.Spec} network has {model.Layout.Length}");
            parameters = resume.Parameters;
            state.Import(resume.OptimizerState);
        }
        var plan = new TrainingPlan
        {
            TrainCount = train.Count,
            GlobalBatch = options.BatchSize,
            Epochs = options.Epochs,
            StartEpoch = resume?.Epoch ?? 0,
            StartStepInEpoch = resume?.StepInEpoch ?? 0,
            MaxSteps = maxSteps,
            TestCount = evaluate ? data.Test?.Count ?? 0 : 0,
            ValidationCount = evaluate ? data.Validation?.Count ?? 0 : 0,
            Balance = options.Balance,
            MinWorkers = options.MinWorkers ?? options.Workers,
            StopAtAccuracy = options.StopAtAccuracy,
            ElapsedBefore = resume?.ElapsedSeconds ?? 0,
        };
        plan.Validate();
        return new TrainingSetup(options, data, model, parameters, state, resume?.Step ?? 0, plan);
    }

    /// <summary>The states of <paramref name="shards"/> (or fewer) parameter-server shards over contiguous ranges of one shared
    /// parameter buffer and optimizer state (one shard when clipping, which needs the global norm).</summary>
    public IReadOnlyList<ParameterServerState> CreateParameterServerStates(int shards)
    {
        var optimizer = Options.Optimizer.Create();
        var schedule = Options.CreateSchedule(Options.Epochs);
        var clipping = Options.CreateClipping();
        // Ranges start where backward reports progress, so that workers push each one while backward goes on.
        return ParameterServerShard.Ranges(Model.Layout.Length, clipping is null ? shards : 1, Model.BackwardBoundaries)
            .Select(r => new ParameterServerState(Model.Layout, Parameters, optimizer, OptimizerState, schedule, clipping,
                Plan.StepsPerEpoch, Version, r.Offset, r.Count))
            .ToList();
    }

    /// <summary>The model file of these parameters (or of a later snapshot of them).</summary>
    public ModelFile ModelFile(float[] parameters) =>
        new(Model.Spec, parameters, Data.Scaler, Data.Train.ClassNames, Options.Dataset);
}
