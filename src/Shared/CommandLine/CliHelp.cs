// `--help`: a command's description, usage, arguments, subcommands and every option with what it takes
// and its default, in two columns. It replaces System.CommandLine's help, which shows enum defaults in
// their C# spelling (SoftmaxCrossEntropy), a spelling the parser does not accept, and lists as 256|128.
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text;

namespace Dpt.CommandLine;

public sealed class CliHelp : SynchronousCommandLineAction
{
    private const int MaxLabelColumn = 40;

    /// <summary>Makes every --help of <paramref name="root"/> and its subcommands print this help.</summary>
    public static void Install(RootCommand root)
    {
        foreach (var help in root.Options.OfType<HelpOption>()) help.Action = new CliHelp();
    }

    /// <summary>--help shows the help even where the rest of the command line is incomplete or wrong.</summary>
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        Console.Out.Write(Write(parseResult.CommandResult.Command, Console.IsOutputRedirected ? int.MaxValue : WindowWidth()));
        return CliProgram.Ok;
    }

    /// <summary>The help of <paramref name="command"/>, its lines wrapped at <paramref name="width"/> columns.</summary>
    public static string Write(Command command, int width)
    {
        var text = new StringBuilder();
        if (command.Description is { } description) text.AppendLine(description).AppendLine();
        string path = CommandPath(command);
        text.Append("Usage: ").Append(path);
        foreach (var argument in command.Arguments) text.Append($" <{argument.Name}>");
        if (command.Subcommands.Count > 0) text.Append(" <command>");
        text.AppendLine(" [options]");

        Section(text, "Arguments:", command.Arguments.Select(a => ($"<{a.Name}>", a.Description ?? "")).ToList(), width);
        Section(text, "Commands:", command.Subcommands.Select(c => (c.Name, c.Description ?? "")).ToList(), width);
        var options = command.Options.Where(o => o is not HelpOption && !o.Hidden)
            .Select(o => (Label(o), o.Description ?? ""))
            .Append(("-h, --help", "Show this help"))
            .ToList();
        Section(text, "Options:", options, width);
        return text.ToString();
    }

    /// <summary>"--name &lt;what&gt;" for an option that takes a value, "--name" for a flag.</summary>
    public static string Label(Option option)
    {
        string names = string.Join(", ", option.Aliases.Order().Append(option.Name));
        return option.ValueType == typeof(bool) || option.Arity.MaximumNumberOfValues == 0 ? names : $"{names} <{option.HelpName ?? option.Name.TrimStart('-')}>";
    }

    private static void Section(StringBuilder text, string title, List<(string Label, string Description)> rows, int width)
    {
        if (rows.Count == 0) return;
        text.AppendLine().AppendLine(title);
        int column = Math.Min(MaxLabelColumn, rows.Max(r => r.Label.Length)) + 4;
        foreach (var (label, description) in rows)
        {
            string first = "  " + label;
            if (first.Length + 2 > column)
            {
                text.AppendLine(first);
                first = "";
            }
            var lines = Wrap(description, Math.Max(20, width - column));
            for (int i = 0; i < lines.Count; i++)
                text.Append((i == 0 ? first : "").PadRight(column)).AppendLine(lines[i]);
            if (lines.Count == 0) text.AppendLine(first);
        }
    }

    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0) lines.Add(line.ToString());
        return lines;
    }

    public static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is Command c; s = c.Parents.FirstOrDefault()) names.Insert(0, c is RootCommand ? CliProgram.ProgramName : c.Name);
        return string.Join(" ", names);
    }

    private static int WindowWidth()
    {
        try
        {
            return Console.WindowWidth is > 20 and var w ? w - 1 : 120;
        }
        catch (IOException)
        {
            return 120;
        }
    }
}
