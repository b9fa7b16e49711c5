// Where a step timeline goes and how many steps it holds (--timeline, --timeline-steps), checked before
// anything is loaded or started, like every other option.
using System.Globalization;
using Dpt.Training;

namespace Dpt.Coordinator.Timeline;

/// <param name="Path">The trace file to write (replaced if it exists); its directory must exist.</param>
/// <param name="Steps">Steps the timeline records, from the first one recorded; 1 to <see cref="MaxSteps"/>, default <see cref="DefaultSteps"/>.</param>
public sealed record TimelineOptions(string Path, int Steps = TimelineOptions.DefaultSteps)
{
    public const int DefaultSteps = 200;

    /// <summary>Bounds the file (about 2 KB per step with two workers) and the buffers recorded into.</summary>
    public const int MaxSteps = 10_000;

    public static readonly string AcceptedSteps = $"an integer from 1 to {MaxSteps}";

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the option, the value and what is accepted.</summary>
    public void Validate()
    {
        if (Steps is < 1 or > MaxSteps)
            throw new InvalidOptionException("--timeline-steps", Steps.ToString(CultureInfo.InvariantCulture), $"expected {AcceptedSteps}");
        if (Path.Trim().Length == 0 || Directory.Exists(Path))
            throw new InvalidOptionException("--timeline", Path, "expected the path of a file to write");
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (directory is null || !Directory.Exists(directory))
            throw new InvalidOptionException("--timeline", Path, $"expected a file in an existing directory, and there is no directory {directory}");
    }
}
