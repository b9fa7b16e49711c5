// What `dpt train --resume RUN` continues from exactly: the run's options, where it stands (epoch,
// step within it, global step, elapsed time), the parameters and the optimizer state. The random state
// is the seed itself: every random draw (initialisation, split, epoch orders) is a stream of
// Rng(seed, stream), so seed and epoch fix all that follows.
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Dpt.Model;
using Dpt.Training;

namespace Dpt.Coordinator.Runs;

public sealed record Checkpoint(TrainingOptions Options, int Epoch, int StepInEpoch, long Step, double ElapsedSeconds,
    float[] Parameters, float[][] OptimizerState)
{
    private const string Magic = "DPTCKPT1";

    /// <summary>The JSON form of options in checkpoints and config.json: the one workers receive at join.</summary>
    public static JsonSerializerOptions Json => Dpt.Training.Join.TrainingOptionsJson.Settings;

    public void Save(string path)
    {
        var header = new JsonObject
        {
            ["format"] = 1,
            ["epoch"] = Epoch,
            ["step_in_epoch"] = StepInEpoch,
            ["step"] = Step,
            ["elapsed_s"] = ElapsedSeconds,
            ["rng_seed"] = Options.Seed,
            ["options"] = JsonSerializer.SerializeToNode(Options, Json),
        };
        var tensors = new List<(string, float[])> { ("parameters", Parameters) };
        for (int i = 0; i < OptimizerState.Length; i++) tensors.Add(($"optimizer.{i}", OptimizerState[i]));
        TensorFile.Write(path, Magic, header, tensors);
    }

    public static Checkpoint Load(string path)
    {
        var (h, t) = TensorFile.Read(path, Magic, "checkpoint");
        try
        {
            var options = h["options"].Deserialize<TrainingOptions>(Json);
            if (options?.Dataset is null || options.Hidden is null || options.Optimizer is null)
                throw new InvalidDataException($"{path}: the checkpoint holds no training options, or incomplete ones");
            TrainingOptionsValidator.Validate(options);
            var slots = Enumerable.Range(0, t.Count - 1).Select(i => t[$"optimizer.{i}"]).ToArray();
            return new Checkpoint(options, h["epoch"]!.GetValue<int>(), h["step_in_epoch"]!.GetValue<int>(), h["step"]!.GetValue<long>(),
                h["elapsed_s"]!.GetValue<double>(), t["parameters"], slots);
        }
        catch (InvalidOptionException e)
        {
            throw new InvalidDataException($"{path}: the checkpoint's options are invalid: {e.Message}", e);
        }
        catch (Exception e) when (e is KeyNotFoundException or NullReferenceException or JsonException or FormatException or InvalidOperationException
                                       or ArgumentException)
        {
            throw new InvalidDataException($"{path}: the checkpoint's header is incomplete or invalid: {e.Message}", e);
        }
    }
}
