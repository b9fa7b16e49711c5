// A fresh directory for one test's run folders and files, deleted with everything in it when the test
// ends. (Shared.Tests has the same helper; this project does not reference that one.)
namespace Dpt.Coordinator.Tests.Cli;

internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("dpt-cli-test-").FullName;

    public string Path { get; }

    /// <summary>The full path of <paramref name="name"/> inside the directory (not created).</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Every file and folder inside, as paths relative to the directory, sorted.</summary>
    public string[] Entries() =>
        Directory.EnumerateFileSystemEntries(Path, "*", SearchOption.AllDirectories)
            .Select(e => System.IO.Path.GetRelativePath(Path, e)).Order(StringComparer.Ordinal).ToArray();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Leaving a temp directory behind must not fail the test that used it.
        }
    }
}
