// Optimizer options build themselves and refuse bad values with ArgumentExceptions naming their C#
// parameter; this reports such a value under its command-line name, like every other bad option value.
using Dpt.CommandLine;
using System.Globalization;
using Dpt.Training;

namespace Dpt.Coordinator.Cli;

internal static class OptimizerOptionErrors
{
    /// <summary>Builds optimizer options, reporting a value they refuse under its command-line name.</summary>
    public static T Build<T>(Func<T> build)
    {
        try
        {
            return build();
        }
        catch (ArgumentException e) when (e.ParamName is { } name && OptimizerOptionNames.TryGetValue(name, out var option))
        {
            string value = e is ArgumentOutOfRangeException { ActualValue: { } v } ? Convert.ToString(v, CultureInfo.InvariantCulture)! : "?";
            throw new InvalidOptionException(option.Name, value, $"expected {option.Accepted}");
        }
    }

    private static readonly Dictionary<string, (string Name, string Accepted)> OptimizerOptionNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Momentum"] = ("--momentum", TrainingOptionsValidator.Accepted.Momentum),
        ["Beta1"] = ("--beta1", TrainingOptionsValidator.Accepted.Beta),
        ["Beta2"] = ("--beta2", TrainingOptionsValidator.Accepted.Beta),
        ["Epsilon"] = ("--eps", TrainingOptionsValidator.Accepted.Epsilon),
        ["WeightDecay"] = ("--weight-decay", TrainingOptionsValidator.Accepted.WeightDecay),
    };
}
