// The one error a user sees for a bad option value: which option, what was given, what is accepted.
namespace Dpt.Training;

public sealed class InvalidOptionException(string option, string value, string accepted)
    : ArgumentException($"{option}: '{value}' is not valid; {accepted}")
{
    /// <summary>The option as the user typed it, e.g. <c>--batch-size</c>.</summary>
    public string Option { get; } = option;

    public string Value { get; } = value;

    /// <summary>What the option accepts, e.g. <c>expected an integer from 1 to 1048576</c>.</summary>
    public string Accepted { get; } = accepted;
}
