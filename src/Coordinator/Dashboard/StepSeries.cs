// The per-step curves of a whole run in bounded memory: consecutive steps are averaged into points of equal
// width, and when the points fill their capacity adjacent pairs merge and the width doubles. The last steps
// are also kept one per point, for a fine view of the recent past.
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Dashboard;

/// <summary>Consecutive steps averaged: sums, so that merging two points is exact.</summary>
internal readonly record struct StepPoint(long FirstStep, long LastStep, int Epoch, int Steps, double LossSum, long Correct, long Samples,
    double StepSeconds, double ComputeSeconds, double StragglerSeconds, double OptimizerSeconds, double CommunicationSeconds, float LearningRate)
{
    public static StepPoint Of(StepCompleted s) =>
        new(s.Step, s.Step, s.Epoch, 1, s.Metrics.LossSum, s.Metrics.Correct, s.Metrics.Count, s.Times.StepSeconds, s.Times.MeanComputeSeconds,
            s.Times.StragglerSeconds, s.Times.ApplySeconds, s.Times.CommunicationSeconds, s.LearningRate);

    /// <summary>This point followed by <paramref name="later"/>, as one.</summary>
    public StepPoint Then(StepPoint later) =>
        new(FirstStep, later.LastStep, later.Epoch, Steps + later.Steps, LossSum + later.LossSum, Correct + later.Correct, Samples + later.Samples,
            StepSeconds + later.StepSeconds, ComputeSeconds + later.ComputeSeconds, StragglerSeconds + later.StragglerSeconds,
            OptimizerSeconds + later.OptimizerSeconds, CommunicationSeconds + later.CommunicationSeconds, later.LearningRate);

    /// <summary>Mean loss per sample over the point's steps.</summary>
    public double MeanLoss => Samples == 0 ? double.NaN : LossSum / Samples;

    public double Accuracy => Samples == 0 ? double.NaN : (double)Correct / Samples;
}

internal sealed class StepSeries
{
    private readonly int _capacity, _recentCapacity;
    private readonly List<StepPoint> _points = new();
    private readonly Queue<StepPoint> _recent = new();
    private StepPoint? _open;

    /// <param name="capacity">Points kept for the whole run (even, at least 2).</param>
    /// <param name="recentCapacity">Last steps kept one per point.</param>
    public StepSeries(int capacity = 1024, int recentCapacity = 1024)
    {
        if (capacity < 2 || capacity % 2 != 0) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "must be even and at least 2");
        if (recentCapacity < 1) throw new ArgumentOutOfRangeException(nameof(recentCapacity), recentCapacity, "must be positive");
        (_capacity, _recentCapacity) = (capacity, recentCapacity);
    }

    /// <summary>Steps averaged into each point of <see cref="All"/>: a power of two.</summary>
    public int Width { get; private set; } = 1;

    /// <summary>Steps added so far.</summary>
    public long Count { get; private set; }

    /// <summary>The latest step, or null before the first.</summary>
    public StepPoint? Last { get; private set; }

    public void Add(StepCompleted step)
    {
        var point = StepPoint.Of(step);
        Count++;
        Last = point;
        _recent.Enqueue(point);
        if (_recent.Count > _recentCapacity) _recent.Dequeue();
        _open = _open is { } open ? open.Then(point) : point;
        if (_open.Value.Steps < Width) return;
        _points.Add(_open.Value);
        _open = null;
        if (_points.Count < _capacity) return;
        for (int i = 0; i < _capacity / 2; i++) _points[i] = _points[2 * i].Then(_points[2 * i + 1]);
        _points.RemoveRange(_capacity / 2, _capacity / 2);
        Width *= 2;
    }

    /// <summary>The whole run, <see cref="Width"/> steps a point (the last point may hold fewer).</summary>
    public IReadOnlyList<StepPoint> All => _open is { } open ? [.. _points, open] : _points.ToArray();

    /// <summary>
    /// The curve for a view: the last <paramref name="last"/> steps (all of them when null), one step per point
    /// where the recent steps reach back that far, averaged further into at most <paramref name="max"/> points.
    /// </summary>
    public IReadOnlyList<StepPoint> Query(long? last, int max)
    {
        if (max < 1) throw new ArgumentOutOfRangeException(nameof(max), max, "must be positive");
        IReadOnlyList<StepPoint> source;
        if (last is { } n)
        {
            if (n < 1) throw new ArgumentOutOfRangeException(nameof(last), last, "must be positive");
            long after = (Last?.LastStep ?? 0) - n;
            source = n <= _recent.Count || _recent.Count == Count
                ? _recent.Where(p => p.LastStep > after).ToArray()
                : All.Where(p => p.LastStep > after).ToArray();
        }
        else source = All;
        return Downsample(source, max);
    }

    /// <summary>Consecutive groups of points merged, so that at most <paramref name="max"/> remain.</summary>
    public static IReadOnlyList<StepPoint> Downsample(IReadOnlyList<StepPoint> points, int max)
    {
        if (points.Count <= max) return points;
        int group = (points.Count + max - 1) / max;
        var merged = new List<StepPoint>((points.Count + group - 1) / group);
        for (int i = 0; i < points.Count; i += group)
        {
            var p = points[i];
            for (int j = i + 1; j < Math.Min(i + group, points.Count); j++) p = p.Then(points[j]);
            merged.Add(p);
        }
        return merged;
    }
}
