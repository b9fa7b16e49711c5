// Where human-facing output goes, and how it writes numbers. On a terminal a person watches: Spectre's
// console, with colours and live displays. On a pipe or a log file: plain text, no colours, no wrapping
// (Spectre assumes 80 columns there and would break every longer line in two).
using Dpt.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Dpt.Coordinator.Cli;

internal static class Terminal
{
    /// <summary>Standard output is a terminal, and Spectre can run live displays on it (standard input is one too).</summary>
    public static bool IsInteractive => !System.Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Spectre's console on a terminal; otherwise one that writes plain, unwrapped text to standard output.</summary>
    public static IAnsiConsole Console => _console ??= System.Console.IsOutputRedirected ? Plain() : AnsiConsole.Console;

    private static IAnsiConsole? _console;

    /// <summary>87.61% for 0.87612 (invariant culture's P2 would write "87.61 %").</summary>
    public static string Percent(double fraction, int decimals = 2) =>
        (fraction * 100).ToString("F" + decimals, CultureInfo.InvariantCulture) + "%";

    private static IAnsiConsole Plain()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(System.Console.Out),
        });
        console.Profile.Width = 1000;
        return console;
    }
}
