// Facts that need something the machine may lack. xunit 2 cannot skip at run time, so each
// attribute decides in its constructor and sets Skip with the reason, which the test run shows.
using Dpt.Data;

namespace Dpt.Shared.Tests.Data;

/// <summary>A fact that runs only where Fashion-MNIST is installed in <see cref="MnistFormat.FashionMnistDirectory"/>.</summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    private static readonly string[] Files =
    [
        MnistFormat.TrainImagesFile, MnistFormat.TrainLabelsFile, MnistFormat.TestImagesFile, MnistFormat.TestLabelsFile,
    ];

    public FashionMnistFactAttribute()
    {
        string[] missing = Files
            .Where(f => !File.Exists(Path.Combine(MnistFormat.FashionMnistDirectory, f)) && !File.Exists(Path.Combine(MnistFormat.FashionMnistDirectory, f + ".gz")))
            .ToArray();
        if (missing.Length > 0)
            Skip = $"Fashion-MNIST is not installed ({string.Join(", ", missing)} missing in {MnistFormat.FashionMnistDirectory}); " +
                   $"run `{MnistFormat.FashionMnistInstallCommand}`";
    }
}

/// <summary>
/// A fact that needs a file this process may not open for reading: for an ordinary user a file with
/// mode 000 (see <see cref="MakeUnreadable"/>); root reads any such file, but not a write-only sysfs attribute.
/// </summary>
public sealed class UnreadableFileFactAttribute : FactAttribute
{
    /// <summary>A write-only kernel attribute that even root cannot open for reading.</summary>
    private const string WriteOnlySysfsFile = "/sys/bus/pci/rescan";

    public UnreadableFileFactAttribute()
    {
        if (OperatingSystem.IsWindows())
            Skip = "needs Unix file modes";
        else if (Environment.IsPrivilegedProcess && !File.Exists(WriteOnlySysfsFile))
            Skip = $"running as root, which reads files whatever their mode, and {WriteOnlySysfsFile} is absent";
    }

    /// <summary>A path in <paramref name="directory"/> (or, for root, the sysfs file) that cannot be opened for reading.</summary>
    public static string MakeUnreadable(TempDirectory directory)
    {
        if (Environment.IsPrivilegedProcess)
            return WriteOnlySysfsFile;
        string path = directory.WriteText("secret.csv", "a,b\n1,2\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.None);
        return path;
    }
}

/// <summary>A fact that needs Linux's /proc/self/mem, a file that opens but fails with an I/O error when read at offset 0.</summary>
public sealed class ProcSelfMemFactAttribute : FactAttribute
{
    public const string Path = "/proc/self/mem";

    public ProcSelfMemFactAttribute()
    {
        if (!File.Exists(Path))
            Skip = $"needs {Path} (Linux)";
    }
}

/// <summary>A fact that needs Linux transparent huge pages for regions a process asks for (mode "always" or "madvise").</summary>
public sealed class TransparentHugePagesFactAttribute : FactAttribute
{
    private const string Setting = "/sys/kernel/mm/transparent_hugepage/enabled";

    public TransparentHugePagesFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "needs Linux transparent huge pages";
        else if (!File.Exists(Setting)) Skip = $"{Setting} is absent: this kernel has no transparent huge pages";
        else if (File.ReadAllText(Setting).Contains("[never]", StringComparison.Ordinal)) Skip = $"transparent huge pages are off ({Setting} says never)";
    }
}
