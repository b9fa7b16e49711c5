// The worker's arithmetic: a shard's gradient in the epoch's sample order, cut into chunks, and the
// scoring of held-out ranges in their stored order.
using Dpt.Data;
using Dpt.Training;
using static Dpt.Worker.Tests.TinyTraining;

namespace Dpt.Worker.Tests;

public class ShardComputerSpec
{
    [Fact]
    public void ComputeGradient_must_equal_the_models_gradient_over_the_shards_samples_in_the_epoch_order()
    {
        var parameters = Parameters(1);
        var shard = new SampleRange(9, 13);
        var gradient = new float[Network.Layout.Length];
        var metrics = Computer(chunk: 16).ComputeGradient(parameters, 2, shard, gradient);
        var (expected, expectedMetrics) = Gradient(parameters, 2, shard);
        Assert.Equal(expected, gradient);
        Assert.Equal(expectedMetrics, metrics);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(5)]
    public void ComputeGradient_timed_apart_must_give_the_same_gradient_and_a_forward_part_of_the_calls_time(int chunk)
    {
        var parameters = Parameters(3);
        var shard = new SampleRange(2, 17);
        var plain = new float[Network.Layout.Length];
        var timed = new float[Network.Layout.Length];
        var computer = Computer(chunk);
        var expected = computer.ComputeGradient(parameters, 1, shard, plain);

        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var metrics = computer.ComputeGradient(parameters, 1, shard, timed, out long forwardTicks);
        long elapsed = System.Diagnostics.Stopwatch.GetTimestamp() - start;

        Assert.Equal(plain, timed);
        Assert.Equal(expected, metrics);
        Assert.InRange(forwardTicks, 1, elapsed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    public void A_shard_cut_into_chunks_must_sum_to_the_gradient_of_the_whole_shard(int chunk)
    {
        var parameters = Parameters(2);
        var shard = new SampleRange(3, 17);
        var gradient = new float[Network.Layout.Length];
        var metrics = Computer(chunk).ComputeGradient(parameters, 1, shard, gradient);
        var (expected, expectedMetrics) = Gradient(parameters, 1, shard);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - gradient[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"parameter {i}: {gradient[i]} vs {expected[i]}");
        Assert.Equal(expectedMetrics.Count, metrics.Count);
        Assert.Equal(expectedMetrics.Correct, metrics.Correct);
        Assert.Equal(expectedMetrics.LossSum, metrics.LossSum, 1e-4);
    }

    [Theory]
    [InlineData(5, 128, new[] { 5 })]
    [InlineData(128, 128, new[] { 128 })]
    [InlineData(129, 128, new[] { 65, 64 })]
    [InlineData(130, 128, new[] { 65, 65 })]
    [InlineData(256, 128, new[] { 128, 128 })]
    [InlineData(300, 128, new[] { 100, 100, 100 })]
    [InlineData(14, 4, new[] { 4, 4, 3, 3 })]
    public void A_shard_must_be_cut_into_as_few_chunks_as_fit_and_as_even_as_possible(int count, int chunk, int[] expected)
    {
        var chunks = new List<int>();
        for (int left = count; left > 0; left -= chunks[^1]) chunks.Add(ShardComputer.NextChunk(left, chunk));
        Assert.Equal(expected, chunks);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(64, 64)]
    [InlineData(128, ShardComputer.PreferredChunk)]
    [InlineData(512, ShardComputer.PreferredChunk)]
    public void Workers_must_run_at_most_the_preferred_chunk_at_once(int batch, int expected) =>
        Assert.Equal(expected, ShardComputer.ChunkFor(batch));

    [Fact]
    public void Each_epoch_must_have_its_own_order_and_coming_back_to_an_epoch_must_give_the_same_gradient()
    {
        var computer = Computer();
        var parameters = Parameters(3);
        var shard = new SampleRange(0, 10);
        float[] Run(int epoch)
        {
            var g = new float[Network.Layout.Length];
            computer.ComputeGradient(parameters, epoch, shard, g);
            return g;
        }
        var epoch0 = Run(0);
        var epoch1 = Run(1);
        Assert.NotEqual(epoch0, epoch1);
        Assert.Equal(epoch0, Run(0));
        Assert.Equal(Gradient(parameters, 1, shard).Gradient, epoch1);
    }

    [Fact]
    public void The_whole_epoch_must_cover_every_training_sample_once()
    {
        // Two shards of one epoch add up to the gradient of the full set in any order.
        var parameters = Parameters(4);
        var computer = Computer(chunk: 40);
        var halves = new float[Network.Layout.Length];
        var part = new float[Network.Layout.Length];
        var metrics = computer.ComputeGradient(parameters, 5, new SampleRange(0, 25), halves);
        metrics += computer.ComputeGradient(parameters, 5, new SampleRange(25, 15), part);
        for (int i = 0; i < halves.Length; i++) halves[i] += part[i];
        var whole = new float[Network.Layout.Length];
        var wholeMetrics = computer.ComputeGradient(parameters, 0, new SampleRange(0, 40), whole);
        for (int i = 0; i < whole.Length; i++)
            Assert.True(Math.Abs(whole[i] - halves[i]) <= 1e-5f * (1 + Math.Abs(whole[i])), $"parameter {i}: {halves[i]} vs {whole[i]}");
        Assert.Equal(wholeMetrics.Correct, metrics.Correct);
        Assert.Equal(40, metrics.Count);
    }

    [Fact]
    public void Evaluate_must_score_a_range_of_a_held_out_set_in_its_stored_order()
    {
        var computer = Computer(chunk: 3);
        var parameters = Parameters(5);
        var range = new SampleRange(1, 10);
        var metrics = computer.Evaluate(parameters, EvaluationSet.Test, range);
        var expected = Evaluation(parameters, EvaluationSet.Test, range);
        Assert.Equal(expected.Count, metrics.Count);
        Assert.Equal(expected.Correct, metrics.Correct);
        Assert.Equal(expected.LossSum, metrics.LossSum, 1e-4);
        Assert.Equal(12, computer.Count(EvaluationSet.Test));
        Assert.Equal(8, computer.Count(EvaluationSet.Validation));
    }

    [Fact]
    public void Ranges_past_the_data_and_missing_sets_must_be_refused_naming_the_set()
    {
        var parameters = Parameters(6);
        var computer = Computer();
        Assert.Throws<ArgumentOutOfRangeException>(() => computer.ComputeGradient(parameters, 0, new SampleRange(35, 6), new float[Network.Layout.Length]));
        Assert.Throws<ArgumentOutOfRangeException>(() => computer.Evaluate(parameters, EvaluationSet.Validation, new SampleRange(4, 5)));
        var trainOnly = new ShardComputer(Network, Train, null, null, Seed, 8);
        Assert.Equal(0, trainOnly.Count(EvaluationSet.Test));
        var error = Assert.Throws<InvalidOperationException>(() => trainOnly.Evaluate(parameters, EvaluationSet.Test, new SampleRange(0, 1)));
        Assert.Contains("no test set", error.Message);
    }

    [Fact]
    public void A_data_set_the_model_cannot_read_must_be_refused()
    {
        var wide = SyntheticData.GaussianBlobs(10, 3, 6, 0.5, 1);
        var error = Assert.Throws<ArgumentException>(() => new ShardComputer(Network, wide, null, null, Seed, 8));
        Assert.Contains("6 features; the model takes 4 inputs", error.Message);
    }
}
