using Dpt.Coordinator.ParameterServer;
using Dpt.Model;
using Dpt.Numerics;
using Dpt.Optimization;
using Dpt.Remoting;
using System.Runtime.InteropServices;
using Dpt.Training;
using static Dpt.Training.ParameterServerProtocol;

namespace Dpt.Coordinator.Tests.ParameterServer;

public class ParameterServerStateSpec
{
    private static readonly ParameterLayout Layout = new MlpSpec([3, 4, 2], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();

    private static ParameterServerState NewState(OptimizerOptions? optimizer = null, float lr = 0.1f, GradientClipping? clip = null)
    {
        var options = optimizer ?? new OptimizerOptions { Kind = OptimizerKind.Sgd };
        var opt = options.Create();
        var parameters = Initializer.Create(Layout, InitScheme.XavierUniform, 3);
        return new ParameterServerState(Layout, parameters, opt, opt.CreateState(Layout.Length), LearningRateSchedule.Constant(lr), clip, stepsPerEpoch: 10);
    }

    private static PushGradients Push(long step, SampleRange batch, SampleRange shard, float[] gradient, string worker = "w") =>
        new(step, step, batch, shard, worker, 0, gradient, new BatchMetrics(shard.Count * 0.5, shard.Count / 2, shard.Count), new ShardTiming(0, 0.001 * shard.Count));

    private static float[] Gradient(ulong seed)
    {
        var rng = new Rng(seed);
        var g = new float[Layout.Length];
        for (int i = 0; i < g.Length; i++) g[i] = rng.NextSingle() * 2 - 1;
        return g;
    }

    [Fact]
    public void ParameterServer_must_apply_the_step_once_pushes_cover_the_batch_averaging_by_sample_count()
    {
        var state = NewState();
        var before = (float[])state.Parameters.Clone();
        var batch = new SampleRange(0, 10);
        float[] g1 = Gradient(1), g2 = Gradient(2);
        Assert.Equal(PushOutcome.Accepted, state.Accept(Push(0, batch, new SampleRange(0, 4), g1)));
        Assert.Equal(PushOutcome.Completed, state.Accept(Push(0, batch, new SampleRange(4, 6), g2)));
        var applied = state.ApplyStep();

        Assert.Equal(1, state.Version);
        Assert.Equal(new BatchMetrics(5, 5, 10), applied.Metrics);
        for (int i = 0; i < before.Length; i++)
            Assert.Equal(before[i] - 0.1f * ((g1[i] + g2[i]) / 10f), state.Parameters[i], 1e-6f);
    }

    [Fact]
    public void ParameterServer_must_refuse_a_push_overlapping_an_accepted_shard_so_no_sample_counts_twice()
    {
        var state = NewState();
        var batch = new SampleRange(0, 10);
        Assert.Equal(PushOutcome.Accepted, state.Accept(Push(0, batch, new SampleRange(0, 5), Gradient(1))));
        Assert.Equal(PushOutcome.Duplicate, state.Accept(Push(0, batch, new SampleRange(0, 5), Gradient(2))));
        Assert.Equal(PushOutcome.Duplicate, state.Accept(Push(0, batch, new SampleRange(4, 3), Gradient(3))));
        Assert.Equal(5, state.Covered);
    }

    [Fact]
    public void ParameterServer_must_refuse_stale_steps_other_versions_other_batches_and_wrong_lengths()
    {
        var state = NewState();
        var batch = new SampleRange(0, 4);
        Assert.Equal(PushOutcome.Completed, state.Accept(Push(0, batch, batch, Gradient(1))));
        state.ApplyStep();
        Assert.Equal(PushOutcome.Stale, state.Accept(Push(0, batch, batch, Gradient(1))));
        Assert.Equal(PushOutcome.Stale, state.Accept(new PushGradients(1, 0, batch, batch, "w", 0, Gradient(1), new BatchMetrics(0, 0, 4), default)));
        Assert.Equal(PushOutcome.Stale, state.Accept(Push(5, batch, batch, Gradient(1))));
        Assert.True(state.Begin(1, new SampleRange(4, 4)));
        Assert.Equal(PushOutcome.Invalid, state.Accept(Push(1, batch, batch, Gradient(1))));
        Assert.Equal(PushOutcome.Invalid, state.Accept(Push(1, new SampleRange(4, 4), new SampleRange(4, 4), new float[3])));
        Assert.False(state.Begin(1, new SampleRange(0, 4)));
    }

    [Fact]
    public void Result_must_not_depend_on_the_order_pushes_arrive_in()
    {
        var batch = new SampleRange(0, 9);
        var shards = new[] { new SampleRange(0, 3), new SampleRange(3, 3), new SampleRange(6, 3) };
        var gradients = new[] { Gradient(1), Gradient(2), Gradient(3) };
        float[]? first = null;
        foreach (var order in new[] { new[] { 0, 1, 2 }, new[] { 2, 0, 1 }, new[] { 1, 2, 0 } })
        {
            var state = NewState(new OptimizerOptions { Kind = OptimizerKind.Momentum });
            foreach (int i in order) state.Accept(Push(0, batch, shards[i], gradients[i]));
            state.ApplyStep();
            if (first is null) first = (float[])state.Parameters.Clone();
            else Assert.Equal(first, state.Parameters);
        }
    }

    [Fact]
    public void Clipping_must_scale_the_averaged_gradient_down_to_the_maximum_norm()
    {
        var state = NewState(lr: 1f, clip: new GradientClipping(0.5f));
        var before = (float[])state.Parameters.Clone();
        var g = Gradient(4);
        var batch = new SampleRange(0, 2);
        state.Accept(Push(0, batch, batch, g));
        state.ApplyStep();
        double norm = 0;
        for (int i = 0; i < g.Length; i++) norm += (g[i] / 2.0) * (g[i] / 2.0);
        norm = Math.Sqrt(norm);
        Assert.True(norm > 0.5);
        double moved = 0;
        for (int i = 0; i < g.Length; i++) moved += (before[i] - state.Parameters[i]) * (double)(before[i] - state.Parameters[i]);
        Assert.Equal(0.5, Math.Sqrt(moved), 3);
    }

    [Fact]
    public void Randomized_pushes_with_duplicates_and_stale_ones_must_apply_each_step_once_with_every_sample_once()
    {
        var rng = new Rng(2024);
        var state = NewState();
        var reference = (float[])state.Parameters.Clone();
        for (long step = 0; step < 200; step++)
        {
            int size = 1 + rng.NextInt(40);
            var batch = new SampleRange(rng.NextInt(100), size);
            // Cut the batch into 1..5 shards; the expected update averages the gradients of the true cut.
            int cuts = Math.Min(size, 1 + rng.NextInt(5));
            var bounds = Enumerable.Range(0, cuts - 1).Select(_ => 1 + rng.NextInt(size - 1)).Distinct().Order().Prepend(0).Append(size).ToArray();
            var pushes = new List<PushGradients>();
            var sum = new double[Layout.Length];
            for (int s = 0; s + 1 < bounds.Length; s++)
            {
                var shard = new SampleRange(batch.Start + bounds[s], bounds[s + 1] - bounds[s]);
                var g = Gradient(rng.NextUInt64());
                for (int i = 0; i < g.Length; i++) sum[i] += g[i];
                pushes.Add(Push(step, batch, shard, g));
            }
            // Shuffle, and mix in a stale push and a duplicate of an accepted shard with a different gradient.
            var order = pushes.ToArray();
            rng.Shuffle(order.AsSpan());
            var outcomes = new List<PushOutcome>();
            if (step > 0) outcomes.Add(state.Accept(Push(step - 1, batch, batch, Gradient(9))));
            for (int i = 0; i < order.Length; i++)
            {
                var outcome = state.Accept(order[i]);
                Assert.True(state.Covered <= batch.Count, "covered samples never exceed the batch");
                if (outcome == PushOutcome.Completed) break;
                Assert.Equal(PushOutcome.Accepted, outcome);
                Assert.Equal(PushOutcome.Duplicate, state.Accept(Push(step, batch, order[i].Shard, Gradient(7))));
            }
            Assert.DoesNotContain(PushOutcome.Accepted, outcomes);
            Assert.Equal(batch.Count, state.Covered);
            long before = state.Version;
            state.ApplyStep();
            Assert.Equal(before + 1, state.Version);
            Assert.Equal(0, state.Covered);
            for (int i = 0; i < reference.Length; i++) reference[i] -= 0.1f * (float)(sum[i] / batch.Count);
        }
        for (int i = 0; i < reference.Length; i++) Assert.Equal(reference[i], state.Parameters[i], 1e-4f);
    }

    [Theory]
    [InlineData(OptimizerKind.Momentum, 2, 2)]
    [InlineData(OptimizerKind.Adam, 3, 3)]
    [InlineData(OptimizerKind.Sgd, 2, 4)]
    public void Shards_over_ranges_of_one_buffer_must_reach_the_same_parameters_as_one_server(OptimizerKind kind, int shards, int workers)
    {
        var options = new OptimizerOptions { Kind = kind };
        var whole = NewState(options);
        var shared = (float[])whole.Parameters.Clone();
        var optimizer = options.Create();
        var state = optimizer.CreateState(Layout.Length);
        var parts = ParameterServerShard.Ranges(Layout.Length, shards)
            .Select(r => new ParameterServerState(Layout, shared, optimizer, state, LearningRateSchedule.Constant(0.1f), null, 10, 0, r.Offset, r.Count))
            .ToList();
        Assert.Equal(Layout.Length, parts.Sum(p => p.Count));
        var rng = new Rng(77);
        for (long step = 0; step < 5; step++)
        {
            var batch = new SampleRange(0, 10 * workers);
            for (int w = 0; w < workers; w++)
            {
                var g = Gradient(rng.NextUInt64());
                var shard = new SampleRange(10 * w, 10);
                whole.Accept(Push(step, batch, shard, g));
                foreach (var p in parts)
                    p.Accept(new PushGradients(step, step, batch, shard, $"w{w}", p.Offset, g.AsMemory(p.Offset, p.Count), new BatchMetrics(0, 0, 10), default));
            }
            whole.ApplyStep();
            foreach (var p in parts) p.ApplyStep();
        }
        Assert.Equal(whole.Parameters, shared);
        var joined = Snapshot.Join(parts.Select(p => p.TakeSnapshot()).ToList(), Layout.Length);
        Assert.Equal(shared, joined.Parameters);
        Assert.Equal(whole.TakeSnapshot().OptimizerState, joined.OptimizerState);
    }

    [Fact]
    public void A_shard_must_refuse_a_gradient_for_another_range()
    {
        var parameters = Initializer.Create(Layout, InitScheme.XavierUniform, 3);
        var optimizer = new OptimizerOptions().Create();
        var shard = new ParameterServerState(Layout, parameters, optimizer, optimizer.CreateState(Layout.Length),
            LearningRateSchedule.Constant(0.1f), null, 10, 0, 16, 10);
        var batch = new SampleRange(0, 4);
        Assert.Equal(PushOutcome.Invalid, shard.Accept(new PushGradients(0, 0, batch, batch, "w", 0, new float[10], new BatchMetrics(0, 0, 4), default)));
        Assert.Equal(PushOutcome.Invalid, shard.Accept(new PushGradients(0, 0, batch, batch, "w", 16, new float[11], new BatchMetrics(0, 0, 4), default)));
        Assert.Equal(PushOutcome.Completed, shard.Accept(new PushGradients(0, 0, batch, batch, "w", 16, new float[10], new BatchMetrics(0, 0, 4), default)));
    }

    [Fact]
    public void Ranges_must_cover_the_buffer_in_order_on_64_byte_boundaries()
    {
        foreach (var (length, shards) in new[] { (235146, 2), (1000, 3), (17, 4), (5, 8), (64, 1) })
        {
            var ranges = ParameterServerShard.Ranges(length, shards);
            Assert.Equal(0, ranges[0].Offset);
            Assert.Equal(length, ranges.Sum(r => r.Count));
            for (int i = 1; i < ranges.Count; i++)
            {
                Assert.Equal(ranges[i - 1].Offset + ranges[i - 1].Count, ranges[i].Offset);
                Assert.Equal(0, ranges[i].Offset % 16);
            }
            Assert.All(ranges, r => Assert.True(r.Count > 0));
        }
    }

    [Fact]
    public void ApplyStep_before_the_batch_is_covered_must_say_how_much_is_missing()
    {
        var state = NewState();
        state.Accept(Push(0, new SampleRange(0, 8), new SampleRange(0, 3), Gradient(1)));
        var e = Assert.Throws<InvalidOperationException>(() => state.ApplyStep());
        Assert.Contains("3 of 8 samples pushed", e.Message);
    }

    [Fact]
    public void Randomized_lost_workers_with_reassigned_shards_and_late_pushes_must_apply_each_step_once_with_every_sample_once()
    {
        // A shard's gradient is the sum of per-sample gradients (small multiples of 1/8, so sums are exact): whichever
        // pushes are accepted, a step that counts every sample once applies the same update.
        static float PerSample(int sample, int i) => ((sample * 7 + i * 3) % 11 - 5) * 0.125f;
        static float[] GradientOf(SampleRange shard)
        {
            var g = new float[Layout.Length];
            for (int s = shard.Start; s < shard.End; s++)
                for (int i = 0; i < g.Length; i++) g[i] += PerSample(s, i);
            return g;
        }

        var rng = new Rng(77);
        var state = NewState();
        var reference = (float[])state.Parameters.Clone();
        for (long step = 0; step < 300; step++)
        {
            var batch = new SampleRange(rng.NextInt(50), 1 + rng.NextInt(30));
            // Workers 0..n-1 hold equal cuts; then some are lost, and each lost range is cut among the live ones.
            int workers = 1 + rng.NextInt(4);
            var held = Enumerable.Range(0, workers).Select(_ => new List<SampleRange>()).ToList();
            var live = Enumerable.Range(0, workers).ToList();
            Cut(batch, live);
            var late = new List<PushGradients>();
            while (live.Count > 1 && rng.NextInt(3) > 0)
            {
                int lost = live[rng.NextInt(live.Count)];
                live.Remove(lost);
                foreach (var range in held[lost])
                {
                    if (rng.NextInt(3) > 0) late.Add(Push(step, batch, range, GradientOf(range), $"w{lost}"));
                    Cut(range, live);
                }
                held[lost].Clear();
            }
            var pushes = live.SelectMany(w => held[w].Select(r => Push(step, batch, r, GradientOf(r), $"w{w}"))).Concat(late).ToArray();
            rng.Shuffle(pushes.AsSpan());

            var accepted = new List<SampleRange>();
            int completed = 0;
            foreach (var push in pushes)
            {
                var outcome = state.Accept(push);
                if (completed > 0) Assert.Equal(PushOutcome.Stale, outcome);
                else if (outcome is PushOutcome.Accepted or PushOutcome.Completed)
                {
                    Assert.DoesNotContain(accepted, a => a.Overlaps(push.Shard));
                    accepted.Add(push.Shard);
                    Assert.Equal(accepted.Sum(a => a.Count), state.Covered);
                    if (outcome == PushOutcome.Completed)
                    {
                        completed++;
                        var applied = state.ApplyStep();
                        Assert.Equal(batch.Count, applied.Metrics.Count);
                        Assert.Equal(batch.Count, applied.Shards.Sum(r => r.Shard.Count));
                    }
                }
                else Assert.Equal(PushOutcome.Duplicate, outcome);
            }
            Assert.Equal(1, completed);
            Assert.Equal(step + 1, state.Version);
            var total = GradientOf(batch);
            for (int i = 0; i < reference.Length; i++) reference[i] -= 0.1f * (total[i] * (1f / batch.Count));

            void Cut(SampleRange range, List<int> among)
            {
                int start = range.Start;
                for (int k = 0; k < among.Count; k++)
                {
                    int count = range.Count * (k + 1) / among.Count - range.Count * k / among.Count;
                    if (count > 0) held[among[k]].Add(new SampleRange(start, count));
                    start += count;
                }
            }
        }
        for (int i = 0; i < reference.Length; i++) Assert.Equal(reference[i], state.Parameters[i], 1e-4f);
    }

    [Fact]
    public void Received_gradients_must_go_back_to_the_receive_pool_once_applied_or_refused()
    {
        var layout = new MlpSpec([128, 128, 2], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        Assert.True(layout.Length >= ReceiveBuffers.MinPooledLength);
        var opt = new OptimizerOptions { Kind = OptimizerKind.Sgd }.Create();
        var state = new ParameterServerState(layout, new float[layout.Length], opt, opt.CreateState(layout.Length),
            LearningRateSchedule.Constant(0.1f), null, stepsPerEpoch: 10);
        var batch = new SampleRange(0, 4);
        PushGradients Received(SampleRange shard)
        {
            var lease = ReceiveBuffers.Rent(layout.Length);
            Array.Fill(lease, 1f);
            return new PushGradients(0, 0, batch, shard, "w", 0, lease, new BatchMetrics(0, 0, shard.Count), default);
        }
        float[] ArrayOf(PushGradients push) => MemoryMarshal.TryGetArray(push.Gradient, out var segment) ? segment.Array! : [];

        var first = Received(new SampleRange(0, 2));
        Assert.Equal(PushOutcome.Accepted, state.Accept(first));
        Assert.True(ReceiveBuffers.IsLeased(ArrayOf(first)));
        var overlapping = Received(new SampleRange(1, 2));
        Assert.Equal(PushOutcome.Duplicate, state.Accept(overlapping));
        Assert.False(ReceiveBuffers.IsLeased(ArrayOf(overlapping)));
        var second = Received(new SampleRange(2, 2));
        Assert.Equal(PushOutcome.Completed, state.Accept(second));
        state.ApplyStep();
        Assert.False(ReceiveBuffers.IsLeased(ArrayOf(first)));
        Assert.False(ReceiveBuffers.IsLeased(ArrayOf(second)));
        Assert.All(state.Parameters, p => Assert.Equal(-0.1f * 2 / 4, p, 1e-6f)); // SGD: lr · (1 + 1) / batch
    }
}
