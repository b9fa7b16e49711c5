// The human-facing progress display: a bar per epoch that becomes the epoch's summary line when it ends,
// and a summary table at the end. Without an interactive terminal (a pipe, a log) it prints plain lines.
using System.Globalization;
using Dpt.Training;
using Spectre.Console;
using static Dpt.Training.TrainingEvents;

namespace Dpt.Coordinator.Cli;

internal sealed class ConsoleReporter : IProgressReporter
{
    private readonly IAnsiConsole _console = AnsiConsole.Console;
    private ProgressContext? _progress;
    private ProgressTask? _bar;
    private int _barEpoch = -1;
    private int _epochs;

    public ConsoleReporter(int epochs) => _epochs = epochs;

    public bool Interactive => _console.Profile.Capabilities.Interactive;

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

    public void Started(string description) => _console.MarkupLine(Markup.Escape(description));

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
            _bar.Description = Markup.Escape($"epoch {step.Epoch + 1}/{_epochs}  loss {step.Metrics.MeanLoss:F4}  step {step.Times.StepSeconds * 1e3:F2} ms");
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
        else _console.WriteLine(line);
    }

    public void Notice(string message)
    {
        if (_progress is null) _console.MarkupLine($"[yellow]{Markup.Escape(message)}[/]");
        else Console.Error.WriteLine(message);
    }

    public void Finished(TrainingSummary s)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("summary").AddColumn("").AddColumn("");
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("stopped because", s.Reason);
        Row("epochs, steps", $"{s.Epochs}, {s.Steps}");
        Row("elapsed", $"{s.ElapsedSeconds:F1} s");
        if (s.Last is { } last)
        {
            Row("final train loss / accuracy", $"{last.TrainLoss:F4} / {last.TrainAccuracy:P2}");
            if (last.TestAccuracy is { } t) Row("final test loss / accuracy", $"{last.TestLoss:F4} / {t:P2}");
            if (last.ValidationAccuracy is { } v) Row("final validation accuracy", $"{v:P2}");
            Row("samples/s (last epoch)", $"{last.SamplesPerSecond:N0}");
        }
        if (s.Best?.TestAccuracy is { } best) Row("best test accuracy", $"{best:P2} (epoch {s.Best.Epoch + 1}, {s.Best.ElapsedSeconds:F1} s)");
        if (s.TargetAccuracy is { } target)
            Row($"time to {target:P1} test accuracy", s.FirstAtTarget is { } at ? $"{at.ElapsedSeconds:F1} s (epoch {at.Epoch + 1})" : "not reached");
        Row("run folder", s.RunPath);
        _console.Write(table);
    }

    public void Dispose() { }

    private string Line(EpochReport r)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"epoch {r.Epoch + 1,3}/{_epochs}  train loss {r.TrainLoss:F4}  train acc {r.TrainAccuracy:P2}");
        if (r.TestAccuracy is { } t) text += string.Create(CultureInfo.InvariantCulture, $"  test acc {t:P2}");
        if (r.ValidationAccuracy is { } v) text += string.Create(CultureInfo.InvariantCulture, $"  val acc {v:P2}");
        return text + string.Create(CultureInfo.InvariantCulture, $"  {r.SamplesPerSecond,9:N0} samples/s  elapsed {r.ElapsedSeconds,6:F1} s");
    }
}
