// dpt: the distributed data-parallel trainer's command line. Parse, report a bad option in one line
// (exit code 2), otherwise run the command.
using System.CommandLine;
using Dpt.Coordinator.Cli;

var root = new RootCommand("dpt: data-parallel training of multi-layer perceptrons on actors (local mode; cluster mode with dpt-worker).")
{
    TrainCommand.Create(),
    BenchCommand.Create(),
    EvaluateCommand.Create(),
};

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine($"dpt: {parsed.Errors[0].Message}");
    if (!parsed.Errors[0].Message.StartsWith("--", StringComparison.Ordinal)) Console.Error.WriteLine("Run 'dpt --help' for the commands and options.");
    return Cli.Usage;
}
return await parsed.InvokeAsync();
