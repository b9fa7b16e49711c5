// Progress on standard error: a log gets whole lines, one per stage and then one every few seconds; a
// terminal gets one line rewritten in place a few times a second. Time comes from a fake clock.
using Dpt.Coordinator.Cli;

namespace Dpt.Coordinator.Tests.Cli;

public sealed class ProgressLineSpec
{
    private TimeSpan _now = TimeSpan.FromSeconds(100);
    private readonly StringWriter _out = new();

    private ProgressLine Create(bool log) => new(_out, log, () => _now);

    private string[] Lines => _out.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void A_log_must_get_the_first_report_of_each_stage_and_then_a_line_every_few_seconds()
    {
        var progress = Create(log: true);
        progress.Report("round 1/2: compute ceiling");
        progress.Report("round 1/2, 1 worker: 10/100 steps");
        _now += TimeSpan.FromSeconds(1);
        progress.Report("round 1/2, 1 worker: 20/100 steps");
        _now += ProgressLine.LogInterval;
        progress.Report("round 1/2, 1 worker: 90/100 steps");
        _now += TimeSpan.FromSeconds(1);
        progress.Report("round 1/2, 1 worker: 95/100 steps");
        progress.Report("round 1/2, 1 worker: 100/100 steps", edge: true);
        progress.End();

        Assert.Equal(["round 1/2: compute ceiling", "round 1/2, 1 worker: 10/100 steps", "round 1/2, 1 worker: 90/100 steps",
            "round 1/2, 1 worker: 100/100 steps"], Lines);
    }

    [Fact]
    public void A_terminal_must_get_one_line_rewritten_at_most_a_few_times_a_second_and_ended_once()
    {
        var progress = Create(log: false);
        progress.Report("stage: 1/3");
        _now += TimeSpan.FromMilliseconds(10);
        progress.Report("stage: 2/3");
        _now += ProgressLine.TerminalInterval;
        progress.Report("stage: 3/3");
        progress.End();
        progress.End();

        Assert.Equal("\rstage: 1/3   \rstage: 3/3   " + Environment.NewLine, _out.ToString());
    }

    [Fact]
    public void A_terminal_without_any_report_must_get_nothing_at_the_end()
    {
        Create(log: false).End();
        Assert.Equal("", _out.ToString());
    }
}
