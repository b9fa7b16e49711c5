// What every command shares: turning failures into one clear line on standard error and an exit code
// (2 for a bad option value, 1 for bad input data or a failed run), never a stack trace.
using Dpt.Data;
using Dpt.Training;

namespace Dpt.Coordinator.Cli;

internal static class Cli
{
    public const int Ok = 0, Failed = 1, Usage = 2;

    public static async Task<int> Run(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (InvalidOptionException e)
        {
            Console.Error.WriteLine($"dpt: {e.Message}");
            return Usage;
        }
        catch (Exception e) when (e is DataFormatException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                       or UnauthorizedAccessException or IOException)
        {
            Console.Error.WriteLine($"dpt: {e.Message}");
            return Failed;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"dpt: training failed: {e.Message}");
            return Failed;
        }
    }

    /// <summary>Builds optimizer options, reporting a value they refuse under its command-line name.</summary>
    public static T Build<T>(object kind, Func<T> build)
    {
        try
        {
            return build();
        }
        catch (ArgumentException e) when (e.ParamName is { } name && OptionNames.TryGetValue(name, out var option))
        {
            throw new InvalidOptionException(option, e is ArgumentOutOfRangeException { ActualValue: { } v } ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)! : "?",
                FirstLine(e.Message));
        }
    }

    private static readonly Dictionary<string, string> OptionNames = new()
    {
        ["Momentum"] = "--momentum", ["Beta1"] = "--beta1", ["Beta2"] = "--beta2", ["Epsilon"] = "--eps", ["WeightDecay"] = "--weight-decay",
        ["momentum"] = "--momentum", ["beta1"] = "--beta1", ["beta2"] = "--beta2", ["epsilon"] = "--eps", ["weightDecay"] = "--weight-decay",
    };

    private static string FirstLine(string message)
    {
        int paren = message.IndexOf(" (Parameter", StringComparison.Ordinal);
        return (paren > 0 ? message[..paren] : message).Split('\n')[0];
    }
}
