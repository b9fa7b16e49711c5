// The optimizer contract the parameter server relies on: range updates touch only their range and
// agree with the reference, shards give the same bits as one update, weight decay skips biases,
// arguments are checked with clear messages, and a steady-state step allocates nothing.
using Dpt.Model;
using Dpt.Numerics;
using Dpt.Optimization;

namespace Dpt.Shared.Tests.Optimization;

public class OptimizerSpec
{
    private const float WeightDecay = 0.01f;

    public static TheoryData<OptimizerKind> Kinds() => new(Enum.GetValues<OptimizerKind>());

    public static TheoryData<OptimizerKind, int, int> KindsAndRanges()
    {
        var data = new TheoryData<OptimizerKind, int, int>();
        foreach (var kind in Enum.GetValues<OptimizerKind>())
            foreach (var (offset, count) in new[] { (0, 100), (1, 37), (13, 50), (64, 3), (99, 1), (40, 0), (7, 93) })
                data.Add(kind, offset, count);
        return data;
    }

    [Theory, MemberData(nameof(KindsAndRanges))]
    public void Update_must_change_only_its_range_and_match_the_reference_inside_it(OptimizerKind kind, int offset, int count)
    {
        const int n = 100;
        var optimizer = Create(kind);
        var rng = new Rng(21, (ulong)(offset * 1000 + count));
        var (w, g) = (ScalarReference.RandomValues(rng, n), ScalarReference.RandomValues(rng, n));
        var state = RandomState(optimizer, n, rng);
        var step = new UpdateStep(4, learningRate: 0.01f, gradientScale: 0.25f);
        var (wBefore, slotsBefore) = ((float[])w.Clone(), state.Export());

        optimizer.Update(w, g, state, offset, count, WeightDecay, step);

        var slotsAfter = state.Export();
        AssertUnchangedOutside(wBefore, w, offset, count, "w");
        for (int s = 0; s < slotsAfter.Length; s++) AssertUnchangedOutside(slotsBefore[s], slotsAfter[s], offset, count, state.SlotNames[s]);
        var inside = Reference(kind, optimizer, wBefore[offset..(offset + count)], g[offset..(offset + count)],
            slotsBefore.Select(slot => slot[offset..(offset + count)]).ToArray(), step, WeightDecay);
        ScalarReference.AssertClose(inside[0], w.AsSpan(offset, count), "w");
        for (int s = 0; s < slotsAfter.Length; s++)
            ScalarReference.AssertClose(inside[s + 1], slotsAfter[s].AsSpan(offset, count), state.SlotNames[s]);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Shards_updating_disjoint_ranges_concurrently_must_give_the_same_bits_as_one_update(OptimizerKind kind)
    {
        var layout = new MlpSpec([20, 30, 10], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var optimizer = Create(kind);
        var rng = new Rng(22);
        var whole = Initializer.Create(layout, InitScheme.HeNormal, seed: 1);
        var sharded = (float[])whole.Clone();
        var (wholeState, shardedState) = (optimizer.CreateState(layout.Length), optimizer.CreateState(layout.Length));
        // Boundaries that cut tensors and vector widths at odd places.
        int[] bounds = [0, 123, 517, 601, 602, layout.Length];

        for (long t = 0; t < 3; t++)
        {
            var gradientSum = ScalarReference.RandomValues(rng, layout.Length);
            var step = new UpdateStep(t, learningRate: 0.01f, gradientScale: 1f / 3);
            optimizer.UpdateRange(layout, whole, gradientSum, wholeState, 0, layout.Length, step);
            Parallel.For(0, bounds.Length - 1, k =>
                optimizer.UpdateRange(layout, sharded, gradientSum, shardedState, bounds[k], bounds[k + 1] - bounds[k], step));
        }

        Assert.Equal(whole, sharded);
        var (a, b) = (wholeState.Export(), shardedState.Export());
        for (int s = 0; s < a.Length; s++) Assert.Equal(a[s], b[s]);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void Shards_given_their_range_of_two_workers_gradients_must_match_one_update_of_the_summed_gradient(OptimizerKind kind)
    {
        var layout = new MlpSpec([20, 30, 10], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var optimizer = Create(kind);
        var rng = new Rng(23);
        var whole = Initializer.Create(layout, InitScheme.HeNormal, seed: 2);
        var sharded = (float[])whole.Clone();
        var (wholeState, shardedState) = (optimizer.CreateState(layout.Length), optimizer.CreateState(layout.Length));
        int[] bounds = [0, 123, 517, 601, 602, layout.Length];

        for (long t = 0; t < 3; t++)
        {
            var (g1, g2) = (ScalarReference.RandomValues(rng, layout.Length), ScalarReference.RandomValues(rng, layout.Length));
            var sum = new float[layout.Length];
            for (int i = 0; i < sum.Length; i++) sum[i] = g1[i] + g2[i];
            var step = new UpdateStep(t, learningRate: 0.01f, gradientScale: 1f / 7);
            optimizer.UpdateRange(layout, whole, sum, wholeState, 0, layout.Length, step);
            for (int k = 0; k + 1 < bounds.Length; k++)
            {
                int offset = bounds[k], count = bounds[k + 1] - bounds[k];
                // A shard receives only its range from each worker, and the second worker may be absent.
                if (t == 2)
                    optimizer.UpdateRangeFrom(layout, sharded, sum.AsSpan(offset, count), default, shardedState, offset, count, step);
                else
                    optimizer.UpdateRangeFrom(layout, sharded, g1.AsSpan(offset, count), g2.AsSpan(offset, count), shardedState, offset, count, step);
            }
        }

        Assert.Equal(whole, sharded);
        var (a, b) = (wholeState.Export(), shardedState.Export());
        for (int s = 0; s < a.Length; s++) Assert.Equal(a[s], b[s]);
        Assert.Throws<ArgumentException>(() =>
            optimizer.UpdateRangeFrom(layout, sharded, new float[5], default, shardedState, 0, 6, new UpdateStep(0, 0.1f, 1f)));
    }

    [Theory, MemberData(nameof(Kinds))]
    public void UpdateRange_must_decay_weights_and_leave_biases_untouched(OptimizerKind kind)
    {
        // With a zero gradient and zero state only weight decay moves a parameter.
        var layout = new MlpSpec([6, 5, 3], Activation.Tanh, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var optimizer = Create(kind);
        var w = Initializer.Create(layout, InitScheme.XavierUniform, seed: 2);
        foreach (var bias in layout.Tensors.Where(t => t.Kind == ParameterKind.Bias)) bias.Of(w).Fill(0.5f);
        var before = (float[])w.Clone();
        const float lr = 0.1f;
        const int offset = 4; // the range starts inside the first weight and ends inside the last bias
        int count = layout.Length - offset - 1;

        optimizer.UpdateRange(layout, w, new float[layout.Length], optimizer.CreateState(layout.Length), offset, count, new UpdateStep(0, lr, 1f));

        double factor = kind == OptimizerKind.Nesterov ? 1 - lr * WeightDecay * (1 + optimizer.Options.Momentum) : 1 - lr * WeightDecay;
        foreach (var tensor in layout.Tensors)
            for (int i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                bool inRange = i >= offset && i < offset + count;
                if (tensor.Kind == ParameterKind.Bias || !inRange)
                    Assert.Equal(before[i], w[i]);
                else
                    Assert.Equal(before[i] * factor, w[i], 1e-7);
            }
    }

    [Theory, MemberData(nameof(Kinds))]
    public void UpdateRange_must_equal_per_tensor_updates_with_decay_for_weights_and_none_for_biases(OptimizerKind kind)
    {
        var layout = new MlpSpec([9, 7, 4], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var optimizer = Create(kind);
        var rng = new Rng(23);
        var walked = Initializer.Create(layout, InitScheme.HeUniform, seed: 3);
        var manual = (float[])walked.Clone();
        var gradientSum = ScalarReference.RandomValues(rng, layout.Length);
        var (walkedState, manualState) = (optimizer.CreateState(layout.Length), optimizer.CreateState(layout.Length));
        var step = new UpdateStep(0, 0.05f, 0.5f);

        optimizer.UpdateRange(layout, walked, gradientSum, walkedState, 0, layout.Length, step);
        foreach (var t in layout.Tensors)
            optimizer.Update(manual, gradientSum, manualState, t.Offset, t.Length, t.Kind == ParameterKind.Weight ? WeightDecay : 0f, step);

        Assert.Equal(manual, walked);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void A_steady_state_step_must_not_allocate(OptimizerKind kind)
    {
        var layout = new MlpSpec([30, 20, 10], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var optimizer = Create(kind);
        var w = Initializer.Create(layout, InitScheme.HeNormal, seed: 4);
        var gradientSum = ScalarReference.RandomValues(new Rng(24), layout.Length);
        var state = optimizer.CreateState(layout.Length);
        var schedule = LearningRateSchedule.Cosine(0.01f, 1e-4f, totalEpochs: 10).WithWarmup(50);
        var clipping = new GradientClipping(maxNorm: 1f);
        int half = layout.Length / 2;

        void Step(long t)
        {
            // What a two-shard parameter server does per step.
            double sumOfSquares = GradientClipping.SumOfSquares(gradientSum, 0, half) + GradientClipping.SumOfSquares(gradientSum, half, layout.Length - half);
            var step = new UpdateStep(t, schedule.At(t, stepsPerEpoch: 100), clipping.ClippedScale(sumOfSquares, 1f / 32));
            optimizer.UpdateRange(layout, w, gradientSum, state, 0, half, step);
            optimizer.UpdateRange(layout, w, gradientSum, state, half, layout.Length - half, step);
            optimizer.Update(w, gradientSum, state, 0, layout.Length, 0f, step);
        }

        for (long t = 0; t < 200; t++) Step(t); // warm up: JIT tiers, statics
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (long t = 200; t < 2200; t++) Step(t);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Update_must_refuse_state_of_another_optimizer_kind()
    {
        var w = new float[10];
        var state = new MomentumOptimizer().CreateState(10);
        var error = Assert.Throws<ArgumentException>(() => new AdamOptimizer().Update(w, new float[10], state, 0, 10, 0f, new UpdateStep(0, 0.1f, 1f)));
        Assert.Equal("state", error.ParamName);
        Assert.Contains("Momentum", error.Message);
    }

    [Fact]
    public void Update_must_refuse_a_range_outside_the_buffer()
    {
        var optimizer = new SgdOptimizer();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            optimizer.Update(new float[100], new float[100], optimizer.CreateState(100), 95, 10, 0f, new UpdateStep(0, 0.1f, 1f)));
        Assert.Contains("[95, 105)", error.Message);
        Assert.Contains("[0, 100)", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            optimizer.Update(new float[100], new float[100], optimizer.CreateState(100), -1, 1, 0f, new UpdateStep(0, 0.1f, 1f)));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            optimizer.Update(new float[100], new float[100], optimizer.CreateState(100), 0, -1, 0f, new UpdateStep(0, 0.1f, 1f)));
    }

    [Fact]
    public void Update_must_refuse_buffers_of_different_lengths()
    {
        var optimizer = new MomentumOptimizer();
        var step = new UpdateStep(0, 0.1f, 1f);
        var gradient = Assert.Throws<ArgumentException>(() => optimizer.Update(new float[10], new float[9], optimizer.CreateState(10), 0, 5, 0f, step));
        Assert.Equal("gradientSum", gradient.ParamName);
        Assert.Contains("9", gradient.Message);
        var state = Assert.Throws<ArgumentException>(() => optimizer.Update(new float[10], new float[10], optimizer.CreateState(11), 0, 5, 0f, step));
        Assert.Equal("state", state.ParamName);
        var layout = new MlpSpec([2, 2], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var layoutError = Assert.Throws<ArgumentException>(() => optimizer.UpdateRange(layout, new float[10], new float[10], optimizer.CreateState(10), 0, 5, step));
        Assert.Equal("layout", layoutError.ParamName);
    }

    [Fact]
    public void Update_must_refuse_a_default_step_and_a_negative_weight_decay()
    {
        var optimizer = new SgdOptimizer();
        var state = optimizer.CreateState(4);
        var step = Assert.Throws<ArgumentException>(() => optimizer.Update(new float[4], new float[4], state, 0, 4, 0f, default));
        Assert.Contains("default(UpdateStep)", step.Message);
        var decay = Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.Update(new float[4], new float[4], state, 0, 4, -0.1f, new UpdateStep(0, 0.1f, 1f)));
        Assert.Equal("weightDecay", decay.ParamName);
        Assert.Contains("must be finite and >= 0; got -0.1", decay.Message);
    }

    [Fact]
    public void StateSlots_and_names_must_match_each_rule()
    {
        Assert.Equal(0, new SgdOptimizer().StateSlots);
        Assert.Equal(["velocity"], new MomentumOptimizer(nesterov: true).CreateState(3).SlotNames);
        Assert.Equal(["m", "v"], new AdamOptimizer().CreateState(3).SlotNames);
        Assert.Equal(2, new AdamOptimizer().StateSlots);
        Assert.Equal("nesterov(mu=0.9, wd=0)", new MomentumOptimizer(nesterov: true).ToString());
    }

    internal static Optimizer Create(OptimizerKind kind) =>
        new OptimizerOptions { Kind = kind, Momentum = 0.9f, WeightDecay = WeightDecay }.Create();

    private static OptimizerState RandomState(Optimizer optimizer, int n, Rng rng)
    {
        var state = optimizer.CreateState(n);
        // Adam's second moment is a running mean of squares, so never negative.
        state.Import(state.SlotNames.Select(name => name == "v" ? ScalarReference.RandomSquares(rng, n) : ScalarReference.RandomValues(rng, n)).ToArray());
        return state;
    }

    /// <summary>Expected w followed by each expected state slot.</summary>
    private static Expected[] Reference(OptimizerKind kind, Optimizer optimizer, float[] w, float[] g, float[][] slots, UpdateStep step, float wd)
    {
        var o = optimizer.Options;
        switch (kind)
        {
            case OptimizerKind.Sgd:
                return [ScalarReference.Sgd(w, g, step.GradientScale, step.LearningRate, wd)];
            case OptimizerKind.Momentum or OptimizerKind.Nesterov:
                var (mw, mv) = ScalarReference.Momentum(w, g, slots[0], step.GradientScale, step.LearningRate, wd, o.Momentum, kind == OptimizerKind.Nesterov);
                return [mw, mv];
            default:
                var (aw, am, av) = ScalarReference.Adam(w, g, slots[0], slots[1], step.GradientScale, step.LearningRate, wd, o.Beta1, o.Beta2, o.Epsilon, step.T);
                return [aw, am, av];
        }
    }

    private static void AssertUnchangedOutside(float[] before, float[] after, int offset, int count, string what)
    {
        for (int i = 0; i < before.Length; i++)
            if ((i < offset || i >= offset + count) && BitConverter.SingleToInt32Bits(before[i]) != BitConverter.SingleToInt32Bits(after[i]))
                Assert.Fail($"{what}[{i}] is outside [{offset}, {offset + count}) but changed from {before[i]} to {after[i]}");
    }
}
