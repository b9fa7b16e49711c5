// Typed command-line options whose parse errors read like every other bad value here: one line
// naming the option, the value and what is accepted. Range checks live in the options validators;
// these parsers only check the form of a value.
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Dpt.Coordinator.Cli;

internal static class CliOptions
{
    private const NumberStyles Integer = NumberStyles.Integer;
    private const NumberStyles Real = NumberStyles.Float;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static Option<int> Int(string name, int defaultValue, string description) =>
        Parsed(name, defaultValue, description, "an integer", s => (int.TryParse(s, Integer, Invariant, out int v), v));

    public static Option<ulong> ULong(string name, ulong defaultValue, string description) =>
        Parsed(name, defaultValue, description, "a non-negative integer", s => (ulong.TryParse(s, Integer, Invariant, out ulong v), v));

    public static Option<float> Float(string name, float defaultValue, string description) =>
        Parsed(name, defaultValue, description, "a number", s => (float.TryParse(s, Real, Invariant, out float v), v));

    public static Option<float?> OptionalFloat(string name, string description) =>
        Parsed<float?>(name, null, description, "a number", s => (float.TryParse(s, Real, Invariant, out float v), v), optional: true);

    public static Option<double> Double(string name, double defaultValue, string description) =>
        Parsed(name, defaultValue, description, "a number", s => (double.TryParse(s, Real, Invariant, out double v), v));

    public static Option<double?> OptionalDouble(string name, string description) =>
        Parsed<double?>(name, null, description, "a number", s => (double.TryParse(s, Real, Invariant, out double v), v), optional: true);

    /// <summary>Comma-separated integers, e.g. <c>256,128</c>; an empty string is an empty list.</summary>
    public static Option<int[]> IntList(string name, int[] defaultValue, string description) =>
        Parsed(name, defaultValue, description, "comma-separated integers such as 256,128", s =>
        {
            if (s.Trim().Length == 0) return (true, []);
            var parts = s.Split(',', StringSplitOptions.TrimEntries);
            var values = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!int.TryParse(parts[i], Integer, Invariant, out values[i])) return (false, []);
            return (true, values);
        }, display: string.Join(",", defaultValue));

    /// <summary>An enum written in kebab case on the command line (inverse-time, leaky-relu).</summary>
    public static Option<T> Enum<T>(string name, T defaultValue, string description) where T : struct, System.Enum =>
        Parsed(name, defaultValue, description, $"one of {string.Join(", ", Names<T>())}", s =>
        {
            foreach (var value in System.Enum.GetValues<T>())
                if (string.Equals(Kebab(value.ToString()), s, StringComparison.OrdinalIgnoreCase)) return (true, value);
            return (false, defaultValue);
        }, display: Kebab(defaultValue.ToString()));

    public static Option<T?> OptionalEnum<T>(string name, string description) where T : struct, System.Enum =>
        Parsed<T?>(name, null, description, $"one of {string.Join(", ", Names<T>())}", s =>
        {
            foreach (var value in System.Enum.GetValues<T>())
                if (string.Equals(Kebab(value.ToString()), s, StringComparison.OrdinalIgnoreCase)) return (true, value);
            return (false, null);
        }, optional: true);

    public static Option<string> String(string name, string defaultValue, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    public static Option<string?> OptionalString(string name, string description) =>
        new(name) { Description = description };

    public static Option<bool> Flag(string name, string description) =>
        new(name) { Description = description };

    public static IEnumerable<string> Names<T>() where T : struct, System.Enum => System.Enum.GetNames<T>().Select(Kebab);

    /// <summary>InverseTime → inverse-time, LeakyRelu → leaky-relu.</summary>
    public static string Kebab(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    /// <summary>An option parsed by <paramref name="parse"/>; an optional one has no default value (null when absent).</summary>
    private static Option<T> Parsed<T>(string name, T defaultValue, string description, string expected, Func<string, (bool Ok, T Value)> parse,
        string? display = null, bool optional = false)
    {
        var option = new Option<T>(name)
        {
            Description = description,
            CustomParser = result =>
            {
                string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
                var (ok, value) = parse(text);
                if (ok) return value;
                result.AddError($"{name}: '{text}' is not valid; expected {expected}");
                return defaultValue;
            },
        };
        if (!optional) option.DefaultValueFactory = _ => defaultValue;
        if (display is not null) option.HelpName = display;
        return option;
    }
}
