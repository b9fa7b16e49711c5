// The per-step curves in bounded memory: however many steps arrive, the points stay within capacity, cover the
// steps in order without gap or overlap, and keep the run's sums exactly; the recent steps stay one a point.
using Dpt.Coordinator.Dashboard;
using static Dpt.Coordinator.Tests.Dashboard.DashboardEvents;

namespace Dpt.Coordinator.Tests.Dashboard;

public sealed class StepSeriesSpec
{
    [Fact]
    public void StepSeries_must_keep_its_points_within_capacity_covering_every_step_once_with_exact_sums()
    {
        var random = new Random(4053);
        var series = new StepSeries(capacity: 8, recentCapacity: 16);
        double lossSum = 0;
        long samples = 0;
        for (long step = 0; step < 3000; step++)
        {
            int count = random.Next(1, 129);
            double loss = random.NextDouble() * 3;
            series.Add(Step(step, at: step * 0.001, loss: loss, shards: [("worker-1", count, 0.001)]));
            lossSum += loss * count;
            samples += count;

            var all = series.All;
            Assert.True(all.Count <= 8, $"{all.Count} points after step {step}");
            Assert.Equal(0, all[0].FirstStep);
            Assert.Equal(step, all[^1].LastStep);
            for (int i = 1; i < all.Count; i++) Assert.Equal(all[i - 1].LastStep + 1, all[i].FirstStep);
            Assert.All(all.SkipLast(1), p => Assert.Equal(series.Width, p.Steps));
            Assert.True(all[^1].Steps <= series.Width);
            Assert.Equal(0, series.Width & (series.Width - 1)); // a power of two
            Assert.Equal(samples, all.Sum(p => p.Samples));
            Assert.Equal(lossSum, all.Sum(p => p.LossSum), 6);
        }
        Assert.Equal(3000, series.Count);
        Assert.Equal(512, series.Width); // 3000 steps in at most 8 points of a power-of-two width
    }

    [Fact]
    public void A_query_must_give_at_most_max_points_and_the_last_steps_one_a_point()
    {
        var series = new StepSeries(capacity: 64, recentCapacity: 32);
        for (long step = 0; step < 1000; step++) series.Add(Step(step, at: step * 0.001, loss: step));

        var whole = series.Query(null, max: 10);
        Assert.True(whole.Count <= 10);
        Assert.Equal(1000, whole.Sum(p => p.Steps));

        var recent = series.Query(last: 20, max: 100);
        Assert.Equal(Enumerable.Range(980, 20).Select(s => (long)s), recent.Select(p => p.LastStep));
        Assert.All(recent, p => Assert.Equal(1, p.Steps));
        Assert.Equal(999, recent[^1].MeanLoss);

        // Further back than the recent steps reach: the whole run's points, which are wider.
        var back = series.Query(last: 500, max: 100);
        Assert.True(back[0].LastStep > 499 && back[0].FirstStep <= 500, $"first point [{back[0].FirstStep}, {back[0].LastStep}]");
        Assert.Equal(999, back[^1].LastStep);
    }

    [Fact]
    public void Downsampling_must_merge_consecutive_points_keeping_their_sums()
    {
        var points = Enumerable.Range(0, 10).Select(i => StepPoint.Of(Step(i, at: i, loss: i))).ToArray();

        var merged = StepSeries.Downsample(points, 3);

        Assert.Equal([(0L, 3L), (4L, 7L), (8L, 9L)], merged.Select(p => (p.FirstStep, p.LastStep)));
        Assert.Equal(1.5, merged[0].MeanLoss); // (0 + 1 + 2 + 3) / 4, every step of 64 samples
        Assert.Equal(points.Sum(p => p.Samples), merged.Sum(p => p.Samples));
        Assert.Same(points, StepSeries.Downsample(points, 10));
    }

    [Fact]
    public void A_point_must_average_the_split_of_its_steps()
    {
        var a = StepPoint.Of(Step(0, at: 0, stepSeconds: 0.004, shards: [("w1", 32, 0.002), ("w2", 32, 0.001)]));
        var b = StepPoint.Of(Step(1, at: 0.01, stepSeconds: 0.002, shards: [("w1", 32, 0.001), ("w2", 32, 0.001)]));

        var view = StepPointView.Of(a.Then(b));

        Assert.Equal(3, view.StepMs, 9);
        Assert.Equal((1.5 + 1) / 2, view.ComputeMs, 9); // the workers' mean compute
        Assert.Equal(0.5 / 2, view.StragglerMs, 9); // slowest minus mean
        Assert.Equal(0.1, view.OptimizerMs, 9);
        Assert.Equal(view.StepMs, view.ComputeMs + view.StragglerMs + view.OptimizerMs + view.CommunicationMs, 9);
    }
}
