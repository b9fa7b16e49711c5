// Typed command-line options whose parse errors read like every other bad value here: one line
// naming the option, the value and what is accepted. Range checks live in the options validators;
// these parsers only check the form of a value.
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Dpt.Coordinator.Cli;

internal static class CliOptions
{
    public static Option<int> Int(string name, int defaultValue, string description) =>
        Parsed(name, defaultValue, description, "an integer", s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null);

    public static Option<int?> OptionalInt(string name, string description) =>
        Parsed<int?>(name, null, description, "an integer", s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null);

    public static Option<long?> OptionalLong(string name, string description) =>
        Parsed<long?>(name, null, description, "an integer", s => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : null);

    public static Option<ulong> ULong(string name, ulong defaultValue, string description) =>
        Parsed(name, defaultValue, description, "a non-negative integer", s => ulong.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong v) ? v : null);

    public static Option<float> Float(string name, float defaultValue, string description) =>
        Parsed(name, defaultValue, description, "a number", s => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) ? v : null);

    public static Option<float?> OptionalFloat(string name, string description) =>
        Parsed<float?>(name, null, description, "a number", s => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) ? v : null);

    public static Option<double> Double(string name, double defaultValue, string description) =>
        Parsed(name, defaultValue, description, "a number", s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null);

    public static Option<double?> OptionalDouble(string name, string description) =>
        Parsed<double?>(name, null, description, "a number", s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null);

    /// <summary>Comma-separated integers, e.g. <c>256,128</c>; an empty string is an empty list.</summary>
    public static Option<int[]> IntList(string name, int[] defaultValue, string description) =>
        Parsed(name, defaultValue, description, "comma-separated integers such as 256,128", s =>
        {
            if (s.Trim().Length == 0) return [];
            var parts = s.Split(',', StringSplitOptions.TrimEntries);
            var values = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i])) return null;
            return values;
        }, display: string.Join(",", defaultValue));

    /// <summary>An enum written in kebab case on the command line (inverse-time, leaky-relu).</summary>
    public static Option<T> Enum<T>(string name, T defaultValue, string description) where T : struct, System.Enum =>
        Parsed(name, defaultValue, description, $"one of {string.Join(", ", Names<T>())}", s =>
        {
            foreach (var value in System.Enum.GetValues<T>())
                if (string.Equals(Kebab(value.ToString()), s, StringComparison.OrdinalIgnoreCase)) return value;
            return (T?)null;
        }, display: Kebab(defaultValue.ToString()));

    public static Option<T?> OptionalEnum<T>(string name, string description) where T : struct, System.Enum =>
        Parsed<T?>(name, null, description, $"one of {string.Join(", ", Names<T>())}", s =>
        {
            foreach (var value in System.Enum.GetValues<T>())
                if (string.Equals(Kebab(value.ToString()), s, StringComparison.OrdinalIgnoreCase)) return value;
            return null;
        });

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

    private static Option<T> Parsed<T>(string name, T defaultValue, string description, string expected, Func<string, T?> parse, string? display = null)
    {
        var option = new Option<T>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result =>
            {
                string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
                if (parse(text) is { } value) return value;
                result.AddError($"{name}: '{text}' is not valid; expected {expected}");
                return defaultValue;
            },
        };
        if (display is not null) option.HelpName = display;
        return option;
    }
}
