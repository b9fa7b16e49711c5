// How enum values are spelled to users (command line, logs, config.json): kebab case, as in --activation leaky-relu.
namespace Dpt;

public static class Naming
{
    /// <summary>LeakyRelu → leaky-relu, InverseTime → inverse-time.</summary>
    public static string Kebab(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    public static string Kebab<T>(T value) where T : struct, Enum => Kebab(value.ToString());
}
