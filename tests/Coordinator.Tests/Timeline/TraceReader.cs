// A Chrome-trace file read back for the timeline specs: its complete events with the names of their process
// and thread, and the checks every trace dpt writes must pass (valid JSON, every span complete with ph, ts,
// dur, pid and tid, every thread and process named by a metadata event).
using System.Text.Json;

namespace Dpt.Coordinator.Tests.Timeline;

internal sealed record TraceSpan(string Process, string Thread, string Name, string Category, double Start, double Duration, long Step, JsonElement Args)
{
    public double End => Start + Duration;
}

internal sealed class TraceReader
{
    /// <summary>Rounding to the nanosecond may put an end that many microseconds past the start that follows it.</summary>
    public const double Rounding = 0.002;

    private TraceReader(JsonElement root, IReadOnlyList<TraceSpan> spans) => (Root, Spans) = (root, spans);

    public JsonElement Root { get; }

    public IReadOnlyList<TraceSpan> Spans { get; }

    public static TraceReader Read(string path) => Parse(File.ReadAllBytes(path));

    /// <summary>Parses a trace and asserts its form.</summary>
    public static TraceReader Parse(byte[] json)
    {
        var root = JsonDocument.Parse(json).RootElement.Clone();
        var events = root.GetProperty("traceEvents").EnumerateArray().ToList();
        var processes = new Dictionary<long, string>();
        var threads = new Dictionary<(long, long), string>();
        foreach (var e in events.Where(e => e.GetProperty("ph").GetString() == "M"))
        {
            long pid = e.GetProperty("pid").GetInt64(), tid = e.GetProperty("tid").GetInt64();
            switch (e.GetProperty("name").GetString())
            {
                case "process_name":
                    processes.Add(pid, e.GetProperty("args").GetProperty("name").GetString()!);
                    break;
                case "thread_name":
                    threads.Add((pid, tid), e.GetProperty("args").GetProperty("name").GetString()!);
                    break;
            }
        }
        var spans = new List<TraceSpan>();
        foreach (var e in events.Where(e => e.GetProperty("ph").GetString() != "M"))
        {
            Assert.Equal("X", e.GetProperty("ph").GetString());
            long pid = e.GetProperty("pid").GetInt64(), tid = e.GetProperty("tid").GetInt64();
            Assert.True(processes.ContainsKey(pid), $"no process_name for pid {pid}");
            Assert.True(threads.ContainsKey((pid, tid)), $"no thread_name for pid {pid}, tid {tid}");
            double ts = e.GetProperty("ts").GetDouble(), dur = e.GetProperty("dur").GetDouble();
            Assert.True(ts >= 0 && dur >= 0, $"span {e} starts at {ts} and lasts {dur}");
            var args = e.GetProperty("args");
            spans.Add(new TraceSpan(processes[pid], threads[(pid, tid)], e.GetProperty("name").GetString()!, e.GetProperty("cat").GetString()!,
                ts, dur, args.GetProperty("step").GetInt64(), args));
        }
        // Thread ids are unique over the file: no viewer can take one actor's track for another's.
        Assert.Equal(threads.Count, threads.Keys.Select(k => k.Item2).Distinct().Count());
        return new TraceReader(root, spans);
    }

    public IEnumerable<TraceSpan> Of(string thread, string? process = null) =>
        Spans.Where(s => s.Thread == thread && (process is null || s.Process == process));

    /// <summary>The coordinator's steps of <paramref name="process"/>, by step.</summary>
    public Dictionary<long, TraceSpan> Steps(string? process = null) =>
        Of("coordinator", process).Where(s => s.Name == "step").ToDictionary(s => s.Step);

    /// <summary>Asserts that <paramref name="names"/> follow one another in this order within each step of
    /// <paramref name="spans"/>, once each, and inside that step of <paramref name="steps"/>.</summary>
    public static void AssertPhases(IEnumerable<TraceSpan> spans, Dictionary<long, TraceSpan> steps, IReadOnlyList<string> names, string track)
    {
        var byStep = spans.GroupBy(s => s.Step).ToList();
        Assert.Equal(steps.Keys.Order(), byStep.Select(g => g.Key).Order());
        foreach (var group in byStep)
        {
            var ordered = group.OrderBy(s => s.Start).ThenBy(s => Array.IndexOf(names.ToArray(), s.Name)).ToList();
            Assert.True(names.SequenceEqual(ordered.Select(s => s.Name)),
                $"{track}, step {group.Key}: {string.Join(", ", ordered.Select(s => s.Name))}; expected {string.Join(", ", names)}");
            var step = steps[group.Key];
            for (int i = 0; i < ordered.Count; i++)
            {
                var s = ordered[i];
                Assert.True(s.Start >= step.Start - Rounding && s.End <= step.End + Rounding,
                    $"{track}: {s.Name} of step {s.Step} [{s.Start}, {s.End}] lies outside its step [{step.Start}, {step.End}]");
                if (i > 0) Assert.True(s.Start >= ordered[i - 1].End - Rounding, $"{track}: {s.Name} of step {s.Step} starts before {ordered[i - 1].Name} ends");
            }
        }
    }
}
