// The step timelines of one command, for one file: one run for dpt train, one per run for dpt bench (each
// run its own processes in the trace, in the order they ran, on the one clock of this process).
using System.Globalization;

namespace Dpt.Coordinator.Timeline;

public sealed class TimelineRecording(TimelineOptions options)
{
    private readonly List<RunTimeline> _runs = new();

    public TimelineOptions Options => options;

    public IReadOnlyList<RunTimeline> Runs => _runs;

    /// <summary>A timeline for a run, recording <see cref="TimelineOptions.Steps"/> steps from <paramref name="firstStep"/>.</summary>
    public RunTimeline StartRun(string label, long firstStep)
    {
        var run = new RunTimeline(label, new Dpt.Training.Timeline.StepWindow(firstStep, options.Steps));
        _runs.Add(run);
        return run;
    }

    /// <summary>Writes the file and says what it holds and where it is.</summary>
    public string Write()
    {
        var summary = TraceFile.Write(options.Path, _runs);
        string dropped = summary.Dropped == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $", {summary.Dropped:N0} that did not fit left out");
        return string.Create(CultureInfo.InvariantCulture,
            $"timeline of {summary.Steps?.ToString() ?? "no step"} ({summary.Spans:N0} spans{dropped}) written to {Path.GetFullPath(options.Path)}; open it in https://ui.perfetto.dev");
    }
}
