// --timeline FILE and --timeline-steps N, as dpt train and dpt bench take them; each command says in its help
// which steps the window holds.
using System.CommandLine;
using Dpt.CommandLine;
using Dpt.Coordinator.Timeline;
using Dpt.Training;

namespace Dpt.Coordinator.Cli;

internal sealed class TimelineCliOptions
{
    /// <param name="window">Which steps the timeline holds, e.g. "the first --timeline-steps steps of the run".</param>
    public TimelineCliOptions(string window)
    {
        File = CliOptions.OptionalString("--timeline",
            $"Write a step timeline to this file as a Chrome trace, for https://ui.perfetto.dev or chrome://tracing: {window}, with per worker receive parameters, "
            + "forward, backward, send gradients and idle, per parameter-server shard aggregate, apply and publish, and the coordinator's steps [default: none]");
        File.HelpName = "file";
        Steps = CliOptions.Int("--timeline-steps", TimelineOptions.DefaultSteps,
            "Steps the --timeline file holds at most, which bounds its size (about 2 KB per step with two workers) and the buffers recorded into",
            TimelineOptions.AcceptedSteps);
        Steps.HelpName = "steps";
    }

    public Option<string?> File { get; }

    public Option<int> Steps { get; }

    public IEnumerable<Option> All => [File, Steps];

    /// <summary>The validated options, or null without --timeline (and then --timeline-steps must not be given).</summary>
    public TimelineOptions? Bind(ParseResult r)
    {
        if (r.GetValue(File) is not { } path)
        {
            if (r.GetResult(Steps) is { Implicit: false } steps)
                throw new InvalidOptionException("--timeline-steps", string.Join(" ", steps.Tokens.Select(t => t.Value)), "it sets the length of a timeline: give --timeline FILE too");
            return null;
        }
        var options = new TimelineOptions(path, r.GetValue(Steps));
        options.Validate();
        return options;
    }
}
