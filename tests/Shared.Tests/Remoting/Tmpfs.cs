// A small tmpfs of a test's own, mounted in a fresh temporary directory and unmounted at the end: the only way
// to give a spec a file system that is really full. Mounting needs root on Linux; TmpfsFact skips otherwise.
using System.Diagnostics;

namespace Dpt.Shared.Tests.Remoting;

public sealed class Tmpfs : IDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    public static Tmpfs Mount(long sizeBytes)
    {
        string path = Directory.CreateTempSubdirectory("dpt-tmpfs-").FullName;
        string error = Run("mount", "-t", "tmpfs", "-o", $"size={sizeBytes},mode=0700", "tmpfs", path);
        if (error.Length > 0)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"mount -t tmpfs on {path} failed: {error}");
        }
        return new Tmpfs(path);
    }

    public void Dispose()
    {
        Run("umount", Path);
        Directory.Delete(Path, recursive: true);
    }

    /// <summary>Runs a command; its standard error and exit code if it failed, else "".</summary>
    private static string Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? "" : $"exit code {process.ExitCode}: {error.Trim()}";
    }
}

/// <summary>A fact that mounts a <see cref="Tmpfs"/>: it runs only as root on Linux, and shows why it was skipped otherwise.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "mounting a tmpfs needs Linux";
        else if (!Environment.IsPrivilegedProcess) Skip = "mounting a tmpfs needs root (run the tests as root to include the full-file-system specs)";
    }
}
