// Writes step timelines as a Chrome trace: the Trace Event Format's JSON object, which Perfetto
// (https://ui.perfetto.dev) and chrome://tracing open. Each span is a complete ("X") event in microseconds from
// the file's earliest span; metadata ("M") events name a process per run and worker node, and a thread per
// actor. Workers' idle spans are derived here, from a worker's last send in a step to the end of that step.
using System.Diagnostics;
using System.Text.Json;
using Dpt.Training.Timeline;

namespace Dpt.Coordinator.Timeline;

public static class TraceFile
{
    /// <summary>What a written file holds.</summary>
    /// <param name="Spans">Complete events, idle spans included.</param>
    /// <param name="Dropped">Spans of the window that did not fit their recorder.</param>
    /// <param name="Steps">The steps the coordinator recorded; null when none.</param>
    public sealed record Summary(int Spans, int Dropped, StepWindow? Steps);

    public static Summary Write(string path, IReadOnlyList<RunTimeline> runs)
    {
        using var stream = File.Create(path);
        return Write(stream, runs);
    }

    public static Summary Write(Stream stream, IReadOnlyList<RunTimeline> runs)
    {
        var tracks = runs.Select(r => (Run: r, Tracks: r.Tracks)).ToList();
        long origin = long.MaxValue;
        foreach (var (_, ts) in tracks)
            foreach (var t in ts)
                foreach (var span in t.Spans.Spans)
                    origin = Math.Min(origin, span.Start);
        if (origin == long.MaxValue) origin = 0;

        var steps = runs.SelectMany(r => r.Coordinator.Spans.ToArray()).Select(s => s.Step).ToList();
        StepWindow? recorded = steps.Count == 0 ? null : new StepWindow(steps.Min(), (int)(steps.Max() - steps.Min() + 1));

        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteStartArray("traceEvents");
        int pid = 0, tid = 0, spans = 0, dropped = 0;
        foreach (var (run, runTracks) in tracks)
        {
            var stepEnds = new Dictionary<long, long>();
            foreach (var step in run.Coordinator.Spans) stepEnds[step.Step] = step.End;
            // One process for this one's actors, then one per worker node, in order of first appearance.
            foreach (var node in runTracks.Select(t => t.Node).Distinct())
            {
                pid++;
                Metadata(json, "process_name", pid, 0, node is null ? run.Label : $"{run.Label}: dpt-worker {node}");
                Metadata(json, "process_sort_index", pid, 0, pid);
                foreach (var track in runTracks.Where(t => t.Node == node))
                {
                    tid++; // unique over the file, so that no viewer can mistake one actor for another
                    Metadata(json, "thread_name", pid, tid, track.Name);
                    Metadata(json, "thread_sort_index", pid, tid, tid);
                    spans += WriteSpans(json, track, pid, tid, origin, stepEnds);
                    dropped += track.Spans.Dropped;
                }
            }
        }
        json.WriteEndArray();
        json.WriteString("displayTimeUnit", "ms");
        json.WriteStartObject("otherData");
        json.WriteString("recorded", recorded?.ToString() ?? "no step");
        json.WriteString("clock", "the coordinator's monotonic clock; ts in microseconds from the earliest span");
        json.WriteString("remote_workers", "placed from their reported phase durations, starting when the coordinator sent the step");
        json.WriteNumber("dropped_spans", dropped);
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        return new Summary(spans, dropped, recorded);
    }

    private static int WriteSpans(Utf8JsonWriter json, TimelineTrack track, int pid, int tid, long origin, Dictionary<long, long> stepEnds)
    {
        int written = 0;
        var recorded = track.Spans.Spans.ToArray();
        var lastSend = new Dictionary<long, int>();
        for (int i = 0; i < recorded.Length; i++)
            if (recorded[i].Kind == SpanKind.Send) lastSend[recorded[i].Step] = i;
        for (int i = 0; i < recorded.Length; i++)
        {
            var span = recorded[i];
            Complete(json, span, track.Role, pid, tid, origin);
            written++;
            // A worker is idle from its last send of a step to the end of that step: an empty span when the two
            // coincide to the tick (a worker in another process, placed by its own timings, can end its send there).
            if (span.Kind == SpanKind.Send && lastSend[span.Step] == i && stepEnds.TryGetValue(span.Step, out long end) && end >= span.End)
            {
                Complete(json, new TimelineSpan(SpanKind.Idle, span.Step, span.End, end, span.Count), track.Role, pid, tid, origin);
                written++;
            }
        }
        return written;
    }

    private static void Complete(Utf8JsonWriter json, TimelineSpan span, TrackRole role, int pid, int tid, long origin)
    {
        json.WriteStartObject();
        json.WriteString("name", Name(span.Kind));
        json.WriteString("cat", Category(role));
        json.WriteString("ph", "X");
        json.WriteNumber("ts", Microseconds(span.Start - origin));
        json.WriteNumber("dur", Microseconds(span.Duration));
        json.WriteNumber("pid", pid);
        json.WriteNumber("tid", tid);
        json.WriteStartObject("args");
        json.WriteNumber("step", span.Step);
        json.WriteNumber(CountName(span.Kind), span.Count);
        // On one machine the worker's clock is this one's: its receipt on this file's time scale.
        if (span.WorkerClock != 0) json.WriteNumber("worker_clock_ts", Microseconds(span.WorkerClock - origin));
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Metadata(Utf8JsonWriter json, string name, int pid, int tid, string value)
    {
        MetadataStart(json, name, pid, tid);
        json.WriteString("name", value);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Metadata(Utf8JsonWriter json, string name, int pid, int tid, int value)
    {
        MetadataStart(json, name, pid, tid);
        json.WriteNumber("sort_index", value);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void MetadataStart(Utf8JsonWriter json, string name, int pid, int tid)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("ph", "M");
        json.WriteNumber("pid", pid);
        json.WriteNumber("tid", tid);
        json.WriteStartObject("args");
    }

    /// <summary>Stopwatch ticks as microseconds, to the nanosecond.</summary>
    private static double Microseconds(long ticks) => Math.Round(ticks * 1e6 / Stopwatch.Frequency, 3);

    public static string Name(SpanKind kind) => kind switch
    {
        SpanKind.Step => "step",
        SpanKind.Receive => "receive parameters",
        SpanKind.Forward => "forward",
        SpanKind.Backward => "backward",
        SpanKind.Send => "send gradients",
        SpanKind.Idle => "idle",
        SpanKind.Aggregate => "aggregate",
        SpanKind.Apply => "apply",
        SpanKind.Publish => "publish",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a span kind"),
    };

    private static string Category(TrackRole role) => role switch
    {
        TrackRole.Coordinator => "coordinator",
        TrackRole.ParameterServer => "parameter-server",
        _ => "worker",
    };

    private static string CountName(SpanKind kind) => kind switch
    {
        SpanKind.Aggregate => "pushes",
        SpanKind.Apply => "parameters",
        SpanKind.Publish => "subscribers",
        _ => "samples",
    };
}
