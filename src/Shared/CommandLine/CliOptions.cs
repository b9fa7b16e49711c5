// Typed command-line options whose parse errors read like every other bad value here: one line
// naming the option, the value and what is accepted. Range checks live in the options validators;
// these parsers only check the form of a value, but quote the validator's words for what is accepted.
// Each option's description ends with its default as typed on the command line, which --help shows.
using System.CommandLine;
using System.Globalization;

namespace Dpt.CommandLine;

public static class CliOptions
{
    private const NumberStyles Integer = NumberStyles.Integer;
    private const NumberStyles Real = NumberStyles.Float;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>What each option made here accepts, for the message about an option given without its value.</summary>
    private static readonly Dictionary<Option, string> AcceptedValues = new();

    public static Option<int> Int(string name, int defaultValue, string description, string accepted = "an integer") =>
        Parsed(name, defaultValue, description, accepted, s => (int.TryParse(s, Integer, Invariant, out int v), v), Show(defaultValue));

    public static Option<int?> OptionalInt(string name, string description, string accepted = "an integer") =>
        Parsed<int?>(name, null, description, accepted, s => (int.TryParse(s, Integer, Invariant, out int v), v), optional: true);

    public static Option<ulong> ULong(string name, ulong defaultValue, string description) =>
        Parsed(name, defaultValue, description, "a non-negative integer", s => (ulong.TryParse(s, Integer, Invariant, out ulong v), v), Show(defaultValue));

    public static Option<ulong?> OptionalULong(string name, string description) =>
        Parsed<ulong?>(name, null, description, "a non-negative integer", s => (ulong.TryParse(s, Integer, Invariant, out ulong v), v), optional: true);

    public static Option<float> Float(string name, float defaultValue, string description, string accepted = "a number") =>
        Parsed(name, defaultValue, description, accepted, s => (float.TryParse(s, Real, Invariant, out float v), v), Show(defaultValue));

    public static Option<float?> OptionalFloat(string name, string description, string accepted = "a number") =>
        Parsed<float?>(name, null, description, accepted, s => (float.TryParse(s, Real, Invariant, out float v), v), optional: true);

    public static Option<double> Double(string name, double defaultValue, string description, string accepted = "a number") =>
        Parsed(name, defaultValue, description, accepted, s => (double.TryParse(s, Real, Invariant, out double v), v), Show(defaultValue));

    public static Option<double?> OptionalDouble(string name, string description, string accepted = "a number") =>
        Parsed<double?>(name, null, description, accepted, s => (double.TryParse(s, Real, Invariant, out double v), v), optional: true);

    /// <summary>Comma-separated integers, e.g. <c>256,128</c>; an empty string is an empty list.</summary>
    public static Option<int[]> IntList(string name, int[] defaultValue, string description, string accepted = "comma-separated integers such as 256,128")
    {
        var option = Parsed(name, defaultValue, description, accepted, s =>
        {
            if (s.Trim().Length == 0) return (true, []);
            var parts = s.Split(',', StringSplitOptions.TrimEntries);
            var values = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!int.TryParse(parts[i], Integer, Invariant, out values[i])) return (false, []);
            return (true, values);
        }, string.Join(",", defaultValue));
        option.HelpName = "sizes";
        return option;
    }

    /// <summary>An enum written in kebab case on the command line (inverse-time, leaky-relu).</summary>
    public static Option<T> Enum<T>(string name, T defaultValue, string description) where T : struct, System.Enum
    {
        var option = Parsed(name, defaultValue, description, $"one of {string.Join(", ", Names<T>())}",
            s => TryParseEnum<T>(s) is { } v ? (true, v) : (false, defaultValue), Kebab(defaultValue.ToString()));
        option.HelpName = string.Join("|", Names<T>());
        return option;
    }

    public static Option<T?> OptionalEnum<T>(string name, string description) where T : struct, System.Enum
    {
        var option = Parsed<T?>(name, null, description, $"one of {string.Join(", ", Names<T>())}",
            s => TryParseEnum<T>(s) is { } v ? (true, v) : (false, null), optional: true);
        option.HelpName = string.Join("|", Names<T>());
        return option;
    }

    public static Option<string> String(string name, string defaultValue, string description) =>
        Described(new Option<string>(name) { DefaultValueFactory = _ => defaultValue }, description, defaultValue, "a value");

    public static Option<string?> OptionalString(string name, string description) =>
        Described(new Option<string?>(name), description, null, "a value");

    public static Option<bool> Flag(string name, string description) =>
        new(name) { Description = description };

    /// <summary>Leaves <paramref name="option"/> out of --help: for options meant for experiments and tests only.</summary>
    public static T Hidden<T>(T option) where T : Option
    {
        option.Hidden = true;
        return option;
    }

    /// <summary>What <paramref name="option"/> accepts, e.g. "an integer from 1 to 256" ("a value" for one made elsewhere).</summary>
    public static string Accepted(Option option) => AcceptedValues.GetValueOrDefault(option, "a value");

    public static IEnumerable<string> Names<T>() where T : struct, System.Enum => System.Enum.GetNames<T>().Select(Kebab);

    public static string Kebab(string pascal) => Naming.Kebab(pascal);

    private static T? TryParseEnum<T>(string text) where T : struct, System.Enum
    {
        foreach (var value in System.Enum.GetValues<T>())
            if (string.Equals(Kebab(value.ToString()), text, StringComparison.OrdinalIgnoreCase)) return value;
        return null;
    }

    private static string Show<T>(T value) where T : IFormattable => value.ToString(null, Invariant);

    /// <summary>
    /// An option parsed by <paramref name="parse"/>, its default shown as <paramref name="shownDefault"/>;
    /// an optional one has no default value (null when absent).
    /// </summary>
    private static Option<T> Parsed<T>(string name, T defaultValue, string description, string accepted, Func<string, (bool Ok, T Value)> parse,
        string? shownDefault = null, bool optional = false)
    {
        var option = new Option<T>(name)
        {
            CustomParser = result =>
            {
                string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
                var (ok, value) = parse(text);
                if (ok) return value;
                result.AddError($"{name}: '{text}' is not valid; expected {accepted}");
                return defaultValue;
            },
        };
        if (!optional) option.DefaultValueFactory = _ => defaultValue;
        return Described(option, description, shownDefault, accepted);
    }

    /// <summary>Sets the description, ending it with "[default: ...]" unless it says its default itself.</summary>
    private static Option<T> Described<T>(Option<T> option, string description, string? shownDefault, string accepted)
    {
        option.Description = shownDefault is null || description.Contains("[default:", StringComparison.Ordinal)
            ? description
            : $"{description} [default: {shownDefault}]";
        AcceptedValues[option] = accepted;
        return option;
    }
}
