// The human-facing progress display: a bar per epoch that becomes the epoch's summary line when it ends,
// and a summary table at the end. Without an interactive terminal (a pipe, a log) it prints plain lines.
using Dpt.CommandLine;
using System.Globalization;
using Dpt.Training;
using Spectre.Console;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Cli;

internal sealed class ConsoleReporter : IProgressReporter
{
    private readonly IAnsiConsole _console = Terminal.Console;
    private ProgressContext? _progress;
    private ProgressTask? _bar;
    private int _barEpoch = -1;
    private int _epochs;

    public ConsoleReporter(int epochs) => _epochs = epochs;

    public bool Interactive => Terminal.IsInteractive;

    /// <summary>Runs <paramref name="body"/> under a live progress display when the terminal can show one.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> body)
    {
        if (!Interactive) return await body();
        T result = default!;
        await _console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                _progress = ctx;
                result = await body();
            });
        _progress = null;
        return result;
    }

    public void Started(string description) => WriteLine(description);

    public void Step(StepCompleted step)
    {
        if (_progress is null) return;
        if (_barEpoch != step.Epoch || _bar is null)
        {
            _bar = _progress.AddTask(Markup.Escape($"epoch {step.Epoch + 1}/{_epochs}"), maxValue: step.StepsPerEpoch);
            _barEpoch = step.Epoch;
        }
        _bar.Value = step.StepInEpoch + 1;
        if (step.StepInEpoch % 16 == 0)
            _bar.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"epoch {step.Epoch + 1}/{_epochs}  loss {step.Metrics.MeanLoss:F4}  step {step.Times.StepSeconds * 1e3:F2} ms"));
    }

    public void Epoch(EpochReport r)
    {
        string line = Line(r);
        if (_progress is not null && _bar is not null && _barEpoch == r.Epoch)
        {
            _bar.Description = Markup.Escape(line);
            _bar.Value = _bar.MaxValue;
            _bar.StopTask();
            _bar = null;
        }
        else WriteLine(line);
    }

    public void Notice(string message)
    {
        if (_progress is not null) Console.Error.WriteLine(message);
        else if (Interactive) _console.MarkupLine($"[yellow]{Markup.Escape(message)}[/]");
        else Console.Out.WriteLine(message);
    }

    /// <summary>Shows the wait on the epoch's bar, if one is showing, and as a line.</summary>
    public void Waiting(WaitingForWorkers waiting)
    {
        if (_bar is not null) _bar.Description = Markup.Escape($"epoch {_barEpoch + 1}/{_epochs}  {waiting}");
        Notice(waiting.ToString());
    }

    public void Finished(TrainingSummary s)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("summary").HideHeaders().AddColumn("").AddColumn("");
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("stopped because", s.Reason);
        Row("epochs, steps", $"{s.Epochs}, {s.Steps}");
        Row("elapsed", Invariant($"{s.ElapsedSeconds:F1} s"));
        if (s.Last is { } last)
        {
            Row("final train loss / accuracy", Invariant($"{last.TrainLoss:F4} / {Terminal.Percent(last.TrainAccuracy)}"));
            if (last.TestAccuracy is { } t) Row("final test loss / accuracy", Invariant($"{last.TestLoss:F4} / {Terminal.Percent(t)}"));
            if (last.ValidationAccuracy is { } v) Row("final validation accuracy", Terminal.Percent(v));
            Row("samples/s (last epoch)", Invariant($"{last.SamplesPerSecond:N0}"));
        }
        if (s.Best?.TestAccuracy is { } best)
            Row("best test accuracy", Invariant($"{Terminal.Percent(best)} (epoch {s.Best.Epoch + 1}, {s.Best.ElapsedSeconds:F1} s)"));
        if (s.TargetAccuracy is { } target)
            Row($"time to {Terminal.Percent(target, 1)} test accuracy",
                s.FirstAtTarget is { } at ? Invariant($"{at.ElapsedSeconds:F1} s (epoch {at.Epoch + 1})") : "not reached");
        Row("run folder", s.RunPath);
        _console.Write(table);
        if (s.ResumeCommand is { } resume) WriteLine($"continue with: {resume}");
    }

    public void Dispose() { }

    /// <summary>A line through Spectre on a terminal, as it is on standard output otherwise.</summary>
    private void WriteLine(string line)
    {
        if (Interactive) _console.WriteLine(line);
        else Console.Out.WriteLine(line);
    }

    private string Line(EpochReport r)
    {
        var text = Invariant($"epoch {r.Epoch + 1,3}/{_epochs}  train loss {r.TrainLoss:F4}  train acc {Terminal.Percent(r.TrainAccuracy)}");
        if (r.TestAccuracy is { } t) text += $"  test acc {Terminal.Percent(t)}";
        if (r.ValidationAccuracy is { } v) text += $"  val acc {Terminal.Percent(v)}";
        return text + Invariant($"  {r.SamplesPerSecond,9:N0} samples/s  elapsed {r.ElapsedSeconds,6:F1} s");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
