// The run's measurements as System.Diagnostics.Metrics instruments on a "Dpt.Training" meter, recorded from
// the coordinator's events where the command line reads them (never inside the training actors): counters
// of steps and samples, histograms of the step time and its split, and gauges read at each scrape.
using System.Diagnostics.Metrics;
using Dpt.Training;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Dashboard;

internal sealed class TrainingMetrics : IDisposable
{
    public const string MeterName = "Dpt.Training";

    /// <summary>Step times from 0.1 ms (a small model on one core) to 10 s (a large batch on a slow network).</summary>
    public static readonly IReadOnlyList<double> SecondsBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly KeyValuePair<string, object?> Compute = new("phase", "compute"), Straggler = new("phase", "straggler"),
        Optimizer = new("phase", "optimizer"), Communication = new("phase", "communication");

    private readonly object _gate = new();
    private readonly Counter<long> _steps, _samples, _workerSamples;
    private readonly Histogram<double> _stepDuration, _phaseDuration;
    // Written by Record on the session's thread, read by the gauges on a scrape's: each a reference or an int, so never torn.
    private volatile EpochReport? _lastEpoch;
    private volatile StepCompleted? _lastStep;
    private volatile int _workers;

    public TrainingMetrics()
    {
        Meter = new Meter(MeterName);
        _steps = Meter.CreateCounter<long>("dpt.training.steps", "{step}", "Steps applied by the parameter server");
        _samples = Meter.CreateCounter<long>("dpt.training.samples", "{sample}", "Training samples in the applied steps");
        _workerSamples = Meter.CreateCounter<long>("dpt.training.worker.samples", "{sample}", "Training samples each worker computed in applied steps");
        var buckets = new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets };
        _stepDuration = Meter.CreateHistogram("dpt.training.step.duration", "s",
            "Time of a step, from the coordinator's sending of the shards to its learning that the step was applied", advice: buckets);
        _phaseDuration = Meter.CreateHistogram("dpt.training.step.phase.duration", "s",
            "A step's time by phase: compute (the workers' mean), straggler (slowest minus mean), optimizer (parameter server), communication (the rest)",
            advice: buckets);
        Meter.CreateObservableGauge<int>("dpt.training.epoch", () => _lastEpoch is { } e ? e.Epoch + 1 : 0, "{epoch}", "Epochs completed");
        Meter.CreateObservableGauge<double>("dpt.training.loss", EpochLosses, null, "Mean loss per sample of the last completed epoch, by set");
        Meter.CreateObservableGauge<double>("dpt.training.accuracy", EpochAccuracies, "1", "Accuracy of the last completed epoch, by set");
        Meter.CreateObservableGauge<double>("dpt.training.step.loss", StepLoss, null, "Mean loss per sample of the last applied step's batch");
        Meter.CreateObservableGauge<double>("dpt.training.learning_rate", LearningRate, null, "Learning rate of the last applied step");
        Meter.CreateObservableGauge<int>("dpt.training.workers", () => _workers, "{worker}", "Workers registered with the coordinator");
    }

    public Meter Meter { get; }

    /// <summary>Runs <paramref name="read"/> (a scrape) between two events, never in the middle of one, so that it sees whole
    /// steps: the samples counter, for one, is then always the sum of the per-worker counters.</summary>
    public T Between<T>(Func<T> read)
    {
        lock (_gate) return read();
    }

    /// <summary>Records one of the coordinator's events; others are ignored.</summary>
    public void Record(object e)
    {
        lock (_gate) RecordLocked(e);
    }

    private void RecordLocked(object e)
    {
        switch (e)
        {
            case StepsCompleted { Steps: var steps }:
                foreach (var step in steps) Record(step);
                if (steps.Count > 0) _lastStep = steps[^1];
                break;
            case EpochCompleted { Report: var report }:
                _lastEpoch = report;
                break;
            case WorkersChanged { Workers: var workers }:
                _workers = workers.Count;
                break;
        }
    }

    private void Record(StepCompleted step)
    {
        var t = step.Times;
        _steps.Add(1);
        _samples.Add(step.Metrics.Count);
        foreach (var shard in step.Shards) _workerSamples.Add(shard.Shard.Count, new KeyValuePair<string, object?>("worker", shard.Worker));
        _stepDuration.Record(t.StepSeconds);
        _phaseDuration.Record(t.MeanComputeSeconds, Compute);
        _phaseDuration.Record(t.StragglerSeconds, Straggler);
        _phaseDuration.Record(t.ApplySeconds, Optimizer);
        _phaseDuration.Record(t.CommunicationSeconds, Communication);
    }

    private IEnumerable<Measurement<double>> EpochLosses() =>
        _lastEpoch is not { } e ? [] : BySet(e.TrainLoss, e.TestLoss, e.ValidationLoss);

    private IEnumerable<Measurement<double>> EpochAccuracies() =>
        _lastEpoch is not { } e ? [] : BySet(e.TrainAccuracy, e.TestAccuracy, e.ValidationAccuracy);

    private static IEnumerable<Measurement<double>> BySet(double train, double? test, double? validation)
    {
        yield return new Measurement<double>(train, new KeyValuePair<string, object?>("set", "train"));
        if (test is { } t) yield return new Measurement<double>(t, new KeyValuePair<string, object?>("set", "test"));
        if (validation is { } v) yield return new Measurement<double>(v, new KeyValuePair<string, object?>("set", "validation"));
    }

    private IEnumerable<Measurement<double>> StepLoss() => _lastStep is { } s ? [new Measurement<double>(s.Metrics.MeanLoss)] : [];

    private IEnumerable<Measurement<double>> LearningRate() => _lastStep is { } s ? [new Measurement<double>(s.LearningRate)] : [];

    public void Dispose() => Meter.Dispose();
}
