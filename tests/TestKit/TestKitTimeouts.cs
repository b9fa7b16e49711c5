// Time budgets of the TestKit: a 3 s default per wait, every duration multiplied by the
// DPT_TEST_TIMEOUT_FACTOR environment variable (e.g. 3 on a slow CI machine).
using System.Globalization;

namespace Dpt.TestKit;

/// <summary>The TestKit's time dilation.</summary>
public static class TestKitTimeouts
{
    /// <summary>The environment variable holding the factor (a positive number, default 1).</summary>
    public const string FactorVariable = "DPT_TEST_TIMEOUT_FACTOR";

    private static readonly Lazy<double> s_factor = new(() => ParseFactor(Environment.GetEnvironmentVariable(FactorVariable)));

    /// <summary>The factor every TestKit duration is multiplied by.</summary>
    public static double Factor => s_factor.Value;

    /// <summary>The wait of an expectation given no timeout: 3 s, dilated.</summary>
    public static TimeSpan DefaultTimeout => Dilated(TimeSpan.FromSeconds(3));

    /// <summary><paramref name="duration"/> multiplied by <see cref="Factor"/>.</summary>
    public static TimeSpan Dilated(TimeSpan duration) => duration * Factor;

    /// <summary>The factor given by the variable's value <paramref name="text"/>: 1 when unset.</summary>
    internal static double ParseFactor(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return 1.0;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double factor) && factor > 0 && double.IsFinite(factor))
            return factor;
        throw new InvalidOperationException($"{FactorVariable} is [{text}]; it must be a positive number such as 1 or 2.5");
    }
}
