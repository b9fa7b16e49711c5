// What every dpt command shares, run as a real process: --help documents every option the command
// defines with its default (as the option accepts it), and a command line that does not parse is one
// line on standard error with exit code 2.
using Dpt.CommandLine;
using System.CommandLine;
using System.CommandLine.Help;
using System.Text.RegularExpressions;
using Dpt.Coordinator.Cli;

namespace Dpt.Coordinator.Tests.Cli;

[Collection(DptProcesses.Name)]
public sealed class CliSpec
{
    public static TheoryData<string> Commands => new() { "train", "evaluate", "bench" };

    private static Command Create(string command) => command switch
    {
        "train" => TrainCommand.Create(),
        "evaluate" => EvaluateCommand.Create(),
        _ => BenchCommand.Create(),
    };

    /// <summary>Options whose default depends on the machine, shown in words rather than as a value.</summary>
    private static readonly Dictionary<string, string> DefaultsInWords = new() { ["train --workers"] = "processor count" };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_must_list_every_option_of_the_command_with_its_default(string name)
    {
        var command = Create(name);

        var result = await DptProcess.RunAsync(name, "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.StandardError);
        var entries = Entries(result.StandardOutput);
        foreach (var option in command.Options.Where(o => o is not HelpOption))
        {
            Assert.True(entries.TryGetValue(option.Name, out string? entry), $"{option.Name} is missing from dpt {name} --help\n{result}");
            bool flag = option.ValueType == typeof(bool);
            if (!flag) Assert.True(entry.Contains("[default: ", StringComparison.Ordinal), $"{option.Name} shows no default: {entry}");
            if (option.HasDefaultValue && !flag) Assert.Contains($"[default: {ShownDefault(option)}]", entry);
        }
        Assert.True(entries.ContainsKey("-h"), $"--help itself is missing\n{result}");
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Help_must_show_each_default_as_a_value_the_option_parses_back_to_the_default(string name)
    {
        var command = Create(name);
        foreach (var option in command.Options.Where(o => o.HasDefaultValue && o.ValueType != typeof(bool)))
        {
            string shown = ShownDefault(option);
            if (DefaultsInWords.TryGetValue($"{name} {option.Name}", out string? words))
            {
                Assert.Equal(words, shown);
                continue;
            }
            var parsed = command.Parse([.. command.Arguments.Select(_ => "x"), option.Name, shown]);
            Assert.True(parsed.Errors.Count == 0, $"{option.Name} shows [default: {shown}], which it refuses: {parsed.Errors.FirstOrDefault()?.Message}");
            object? value = parsed.GetResult(option)!.GetValueOrDefault<object>();
            Assert.Equal(option.GetDefaultValue(), value);
        }
    }

    [Fact]
    public async Task Help_must_list_the_commands_and_win_over_an_incomplete_command_line()
    {
        var root = await DptProcess.RunAsync("--help");
        Assert.True(root.ExitCode == 0, root.ToString());
        foreach (string command in Commands) Assert.Contains(root.OutputLines, l => l.StartsWith($"  {command} ", StringComparison.Ordinal));

        var evaluate = await DptProcess.RunAsync("evaluate", "--help"); // MODEL is missing
        Assert.True(evaluate.ExitCode == 0, evaluate.ToString());
        Assert.Contains(evaluate.OutputLines, l => l.StartsWith("Usage: dpt evaluate <MODEL>", StringComparison.Ordinal));
        Assert.Empty(evaluate.StandardError);
    }

    [Fact]
    public async Task No_command_must_be_one_line_naming_the_commands_with_exit_code_2()
    {
        DptAssert.UsageError(await DptProcess.RunAsync(), "command is missing", "train, bench, evaluate");
    }

    [Fact]
    public async Task An_unknown_command_must_be_one_line_naming_it_and_the_commands_with_exit_code_2()
    {
        DptAssert.UsageError(await DptProcess.RunAsync("trian"), "'trian'", "not a command", "train, bench, evaluate");
    }

    [Fact]
    public async Task An_option_typed_with_a_typo_must_be_one_line_suggesting_the_option_meant()
    {
        DptAssert.UsageError(await DptProcess.RunAsync("train", "--batchsize", "64"), "'--batchsize'", "did you mean '--batch-size'?", "dpt train --help");
    }

    [Fact]
    public async Task An_option_given_twice_must_be_one_line_naming_both_values_with_exit_code_2()
    {
        DptAssert.UsageError(await DptProcess.RunAsync("train", "--dataset", "blobs", "--dataset", "xor"), "--dataset", "'blobs', 'xor'", "one value");
    }

    [Fact]
    public async Task A_stray_argument_must_be_one_line_naming_it_with_exit_code_2()
    {
        DptAssert.UsageError(await DptProcess.RunAsync("bench", "fast"), "'fast'", "unexpected argument", "dpt bench --help");
    }

    /// <summary>The text of each option's entry in help output, by option name ("-h" for the help option).</summary>
    private static Dictionary<string, string> Entries(string help)
    {
        var entries = new Dictionary<string, string>();
        string? current = null;
        foreach (string line in help.Split('\n').SkipWhile(l => l != "Options:").Skip(1))
        {
            var start = Regex.Match(line, @"^  (-[-\w]+)");
            if (start.Success) entries[current = start.Groups[1].Value] = line;
            else if (current is not null) entries[current] += " " + line.Trim();
        }
        return entries;
    }

    /// <summary>The "X" of the "[default: X]" that ends the option's description.</summary>
    private static string ShownDefault(Option option)
    {
        var match = Regex.Match(option.Description ?? "", @"\[default: ([^\]]+)\]$");
        Assert.True(match.Success, $"{option.Name}'s description does not end with its default: {option.Description}");
        return match.Groups[1].Value;
    }
}
