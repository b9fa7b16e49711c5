// Finite-difference proof of back-propagation: for every hidden activation and every output loss,
// the analytic gradient of the summed loss equals central differences (L(w+h) - L(w-h)) / 2h.
using Dpt.Model;
using Dpt.Numerics;

namespace Dpt.Shared.Tests.Model;

public class GradientCheckSpec
{
    public static TheoryData<Activation, OutputLoss, bool> Cases()
    {
        var data = new TheoryData<Activation, OutputLoss, bool>();
        foreach (var g in Enum.GetValues<Activation>())
            foreach (var loss in Enum.GetValues<OutputLoss>())
                foreach (bool labels in new[] { true, false })
                    data.Add(g, loss, labels);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Analytic_gradient_must_equal_central_differences(Activation hidden, OutputLoss loss, bool labels)
    {
        var spec = new MlpSpec([4, 6, 5, 3], hidden, loss, leakySlope: 0.1f);
        var (mlp, w, x, targets, labelArray) = Setup(spec, batch: 5, seed: 11);
        var ws = new MlpWorkspace(spec, 5);
        var analytic = new float[w.Length];
        BatchTargets T() => labels ? BatchTargets.FromLabels(labelArray) : BatchTargets.FromValues(targets);
        mlp.ComputeGradient(w, x, T(), 5, ws, analytic);

        const float h = 1e-3f;
        var numeric = new double[w.Length];
        for (int p = 0; p < w.Length; p++)
        {
            float saved = w[p];
            w[p] = saved + h;
            double plus = mlp.Evaluate(w, x, T(), 5, ws).LossSum;
            w[p] = saved - h;
            double minus = mlp.Evaluate(w, x, T(), 5, ws).LossSum;
            w[p] = saved;
            numeric[p] = (plus - minus) / (2 * h);
        }

        double diff = 0, norm = 0;
        for (int p = 0; p < w.Length; p++)
        {
            diff += (analytic[p] - numeric[p]) * (analytic[p] - numeric[p]);
            norm += analytic[p] * (double)analytic[p] + numeric[p] * numeric[p];
            var tensor = mlp.Layout.Tensors.First(t => p >= t.Offset && p < t.Offset + t.Length);
            Assert.True(Math.Abs(analytic[p] - numeric[p]) <= 2e-2 * Math.Abs(numeric[p]) + 2e-3,
                $"{tensor.Name}[{p - tensor.Offset}]: analytic {analytic[p]}, numeric {numeric[p]}");
        }
        double relative = Math.Sqrt(diff) / Math.Sqrt(norm);
        Assert.True(relative < 2e-3, $"relative gradient error {relative:G3}");
        Assert.True(norm > 1e-4, "the gradient must not vanish, or the check proves nothing");
    }

    [Fact]
    public void Accumulating_twice_must_give_the_gradient_of_the_doubled_batch()
    {
        var spec = new MlpSpec([4, 6, 3], Activation.Tanh, OutputLoss.SoftmaxCrossEntropy);
        var (mlp, w, x, _, labels) = Setup(spec, batch: 5, seed: 3);
        var ws = new MlpWorkspace(spec, 10);
        var once = new float[w.Length];
        mlp.ComputeGradient(w, x, BatchTargets.FromLabels(labels), 5, ws, once);
        var twice = new float[w.Length];
        mlp.ComputeGradient(w, x, BatchTargets.FromLabels(labels), 5, ws, twice);
        mlp.ComputeGradient(w, x, BatchTargets.FromLabels(labels), 5, ws, twice, accumulate: true);
        for (int p = 0; p < w.Length; p++) Assert.Equal(2 * once[p], twice[p], 1e-5f);
    }

    [Fact]
    public void Gradient_of_a_batch_must_be_the_sum_of_its_samples_gradients()
    {
        var spec = new MlpSpec([4, 6, 5, 3], Activation.Relu, OutputLoss.SoftmaxCrossEntropy);
        var (mlp, w, x, _, labels) = Setup(spec, batch: 5, seed: 5);
        var ws = new MlpWorkspace(spec, 5);
        var whole = new float[w.Length];
        var m = mlp.ComputeGradient(w, x, BatchTargets.FromLabels(labels), 5, ws, whole);
        var sum = new float[w.Length];
        var total = default(BatchMetrics);
        for (int b = 0; b < 5; b++)
            total += mlp.ComputeGradient(w, x.AsSpan(b * 4, 4), BatchTargets.FromLabels(labels.AsSpan(b, 1)), 1, ws, sum, accumulate: b > 0);
        for (int p = 0; p < w.Length; p++) Assert.Equal(whole[p], sum[p], 1e-5f);
        Assert.Equal(m.LossSum, total.LossSum, 1e-5);
        Assert.Equal(m.Correct, total.Correct);
    }

    internal static (Mlp, float[] W, float[] X, float[] Targets, int[] Labels) Setup(MlpSpec spec, int batch, ulong seed)
    {
        var mlp = new Mlp(spec);
        var rng = new Rng(seed);
        var w = new float[mlp.Layout.Length];
        for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextGaussian() * 0.5);
        var x = new float[batch * spec.Inputs];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextSingle() * 2 - 1;
        var labels = new int[batch];
        var targets = new float[batch * spec.Outputs];
        for (int b = 0; b < batch; b++)
        {
            labels[b] = rng.NextInt(spec.Outputs);
            for (int o = 0; o < spec.Outputs; o++)
                targets[b * spec.Outputs + o] = spec.Loss == OutputLoss.LinearMeanSquaredError ? rng.NextSingle() * 2 - 1 : rng.NextSingle();
        }
        if (spec.Loss == OutputLoss.SoftmaxCrossEntropy)
            for (int b = 0; b < batch; b++)
            {
                // Soft targets for softmax must be a distribution.
                float s = 0;
                for (int o = 0; o < spec.Outputs; o++) s += targets[b * spec.Outputs + o];
                for (int o = 0; o < spec.Outputs; o++) targets[b * spec.Outputs + o] /= s;
            }
        return (mlp, w, x, targets, labels);
    }
}
