// Scoring a trained model on a labelled data set: loss, accuracy and the confusion matrix
// (rows are true classes, columns predicted ones). Single-threaded, in chunks.
using Dpt.Data;

namespace Dpt.Model;

public sealed record ModelEvaluation(BatchMetrics Metrics, int[,] Confusion)
{
    public static ModelEvaluation Run(Mlp model, ReadOnlySpan<float> parameters, Dataset data, int chunk = 512)
    {
        if (data.Task != DatasetTask.Classification)
            throw new ArgumentException($"data set '{data.Name}' has regression targets; a confusion matrix needs class labels");
        if (data.FeatureCount != model.Spec.Inputs)
            throw new ArgumentException($"data set '{data.Name}' has {data.FeatureCount} features; the model takes {model.Spec.Inputs}");
        int classes = Math.Max(data.ClassCount, model.Spec.Outputs == 1 ? 2 : model.Spec.Outputs);
        var confusion = new int[classes, classes];
        var workspace = new MlpWorkspace(model.Spec, chunk);
        var features = new float[chunk * data.FeatureCount];
        var labels = new int[chunk];
        var indices = new int[chunk];
        var total = default(BatchMetrics);
        int o = model.Spec.Outputs;
        for (int start = 0; start < data.Count; start += chunk)
        {
            int n = Math.Min(chunk, data.Count - start);
            for (int i = 0; i < n; i++) indices[i] = start + i;
            data.GatherBatch(indices.AsSpan(0, n), features.AsSpan(0, n * data.FeatureCount), labels.AsSpan(0, n));
            total += model.Evaluate(parameters, features, BatchTargets.FromLabels(labels.AsSpan(0, n)), n, workspace);
            var outputs = model.Outputs(workspace, n);
            for (int i = 0; i < n; i++)
                confusion[labels[i], OutputLosses.PredictFromOutputs(outputs.Slice(i * o, o))]++;
        }
        return new ModelEvaluation(total, confusion);
    }
}
