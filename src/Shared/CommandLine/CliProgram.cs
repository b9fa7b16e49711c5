// What every command shares: turning failures into one clear line on standard error and an exit code
// (2 for a bad option value, 1 for bad input data or a failed run, 130 for Ctrl-C), never a stack trace.
using System.CommandLine;
using System.CommandLine.Parsing;
using Dpt.Data;
using Dpt.Training;

namespace Dpt.CommandLine;

public static class CliProgram
{
    public const int Ok = 0, Failed = 1, Usage = 2;

    /// <summary>The program's name as messages and help print it: "dpt" or "dpt-worker".</summary>
    public static string ProgramName { get; set; } = "dpt";

    /// <summary>The exit code of a command stopped by Ctrl-C (128 + SIGINT, as shells report it), so a script does not carry on as if it had finished.</summary>
    public const int Interrupted = 130;

    /// <summary>Runs a command's action, turning the failures a user can cause into one line and an exit code.</summary>
    public static async Task<int> Run(Func<Task<int>> action)
    {
        // System.CommandLine installs its Ctrl-C handler only once the action has returned its task; until
        // then Ctrl-C kills the process. Return at once, so that loading data is already interruptible.
        await Task.Yield();
        try
        {
            return await action();
        }
        catch (InvalidOptionException e)
        {
            Console.Error.WriteLine($"{ProgramName}: {e.Message}");
            return Usage;
        }
        catch (Exception e) when (e is DataFormatException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                       or UnauthorizedAccessException or IOException)
        {
            Console.Error.WriteLine($"{ProgramName}: {e.Message}");
            return Failed;
        }
        catch (OperationCanceledException e)
        {
            Console.Error.WriteLine($"{ProgramName}: {e.Message}");
            return Interrupted;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"{ProgramName}: training failed: {e.Message}");
            return Failed;
        }
    }

    /// <summary>
    /// The one line that reports what is wrong with a command line that did not parse: the option, the
    /// value and what is accepted; an unknown option or command and where the valid ones are listed.
    /// </summary>
    public static string DescribeParseErrors(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        string path = CliHelp.CommandPath(command);

        // A value one of the option parsers refused says everything already.
        if (parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("--", StringComparison.Ordinal)) is { } refused)
            return $"{ProgramName}: {refused.Message}";

        // An option without its value (--epochs at the end, or followed by another option), or given twice.
        foreach (var error in parsed.Errors)
            if ((error.SymbolResult as OptionResult ?? error.SymbolResult?.Parent as OptionResult) is { } o)
            {
                string name = o.Option.Name;
                return o.Tokens.Count == 0
                    ? $"{ProgramName}: {name}: the value is missing; expected {CliOptions.Accepted(o.Option)}"
                    : $"{ProgramName}: {name}: given {o.Tokens.Count} times ('{string.Join("', '", o.Tokens.Select(t => t.Value))}'); expected one value";
            }

        if (parsed.UnmatchedTokens.Count > 0)
        {
            string token = parsed.UnmatchedTokens[0];
            if (token.StartsWith('-'))
                return $"{path}: '{token}' is not an option{Suggest(token, command.Options.Select(o => o.Name))}; expected one of the options '{path} --help' lists";
            if (command.Subcommands.Count > 0)
                return $"{ProgramName}: '{token}' is not a command; expected one of {string.Join(", ", command.Subcommands.Select(c => c.Name))}";
            return $"{path}: unexpected argument '{token}'; '{path} --help' lists the arguments and options";
        }

        if (command.Subcommands.Count > 0 && parsed.CommandResult.Children.All(c => c is not CommandResult))
            return $"{ProgramName}: a command is missing; expected one of {string.Join(", ", command.Subcommands.Select(c => c.Name))} ('{path} --help' describes them)";
        if (command.Arguments.FirstOrDefault(a => parsed.CommandResult.GetResult(a) is not { Tokens.Count: > 0 }) is { } missing)
            return $"{path}: the {missing.Name} argument is missing; expected {(missing.Description is { Length: > 0 } d ? char.ToLowerInvariant(d[0]) + d[1..] : "a value")}";
        return $"{path}: {parsed.Errors[0].Message}";
    }

    /// <summary>", did you mean '--epochs'?" when one of <paramref name="names"/> is a typo away from <paramref name="token"/>.</summary>
    private static string Suggest(string token, IEnumerable<string> names)
    {
        var best = names.Select(n => (Name: n, Distance: EditDistance(token, n))).OrderBy(x => x.Distance).FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(1, token.Length / 4) ? $" (did you mean '{best.Name}'?)" : "";
    }

    private static int EditDistance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
