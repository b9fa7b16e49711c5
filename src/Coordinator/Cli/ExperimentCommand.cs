// `dpt experiment`: scale-out experiments. `scale` measures real runs at several worker counts, `simulate`
// models clusters larger than this machine; both write the same report folder (results.csv, results.json,
// report.html). What both share: the report's folder, and the table they print.
using System.CommandLine;
using System.Globalization;
using Dpt.Coordinator.Experiments;

namespace Dpt.Coordinator.Cli;

internal static class ExperimentCommand
{
    public static Command Create()
    {
        var command = new Command("experiment",
            "Scale-out experiments: measure training at several worker counts (scale), or model clusters of up to thousands of workers (simulate); "
            + "each writes results.csv, results.json and a self-contained report.html with charts.");
        command.Subcommands.Add(ExperimentScaleCommand.Create());
        command.Subcommands.Add(ExperimentSimulateCommand.Create());
        return command;
    }

    /// <summary>The report folder: <paramref name="output"/>, or experiments/KIND-TIME when none was given.</summary>
    public static string OutputDirectory(string? output, string kind) =>
        output ?? Path.Combine("experiments", $"{kind}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");

    /// <summary>Prints one row per run (the report's key numbers) to standard output, then the files written.</summary>
    public static void Print(ExperimentReport report, IReadOnlyList<string> files)
    {
        var o = Console.Out;
        o.WriteLine(report.Title);
        string header = $"{"design",-15} {"workers",7} {"batch",8} {"step ms",10} {"compute",9} {"comm",9} {"straggler",9} {"optimizer",9} {"samples/s",12} {"speedup",8} {"effic.",7}";
        bool accuracy = report.Runs.Any(r => r.FinalAccuracy is not null);
        if (accuracy) header += $" {"final acc",9} {"to target",9}";
        o.WriteLine(header);
        foreach (var r in report.Runs)
        {
            var s = r.Step;
            string line = string.Create(CultureInfo.InvariantCulture,
                $"{r.Design,-15} {r.Workers,7} {r.GlobalBatch,8} {s.StepMs,10:F3} {s.ComputeMs,9:F3} {s.CommunicationMs,9:F3} {s.StragglerMs,9:F3} {s.OptimizerMs,9:F3} {r.SamplesPerSecond,12:N0} {r.Speedup,7:F2}x {r.Efficiency * 100,6:F1}%");
            if (accuracy)
                line += string.Create(CultureInfo.InvariantCulture,
                    $" {(r.FinalAccuracy is { } a ? Terminal.Percent(a) : "-"),9} {(r.TimeToTargetSeconds is { } t ? $"{t:F1} s" : "-"),9}");
            o.WriteLine(line);
        }
        foreach (var c in report.Calibration)
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"calibration: {c.Workers} worker(s), batch {c.GlobalBatch}: measured {c.MeasuredStepMs:F3} ms, predicted {c.PredictedStepMs:F3} ms, error {c.RelativeError * 100:+0.0;-0.0}%"));
        o.WriteLine($"wrote {string.Join(", ", files)}");
    }
}
