// The command lines the files in deploy/ start dpt and dpt-worker with, read from the files themselves so
// that a spec runs what a user deploys: the compose file's and the Kubernetes manifests' command lists, and
// the systemd units' ExecStart lines expanded as systemd does with the example environment files. Only the
// shapes these files use are read (block sequences of scalars, one ExecStart continued with backslashes);
// anything else fails loudly, so a reshaped file is noticed rather than silently skipped.
using Xunit.Sdk;

namespace Dpt.Coordinator.Tests.Deploy;

/// <summary>A program and its arguments, as a deploy file gives them.</summary>
internal sealed record DeployedCommand(string File, string Program, IReadOnlyList<string> Arguments)
{
    public override string ToString() => $"{File}: {Program} {string.Join(' ', Arguments)}";
}

internal static class DeployFiles
{
    /// <summary>The repository's deploy/ folder, found above the test assembly.</summary>
    public static string Directory { get; } = Find();

    public static string PathOf(string relative) => System.IO.Path.Combine(Directory, relative);

    /// <summary>The command of the compose file's <paramref name="service"/>; ${NAME:-default} takes its default.</summary>
    public static DeployedCommand Compose(string service)
    {
        const string file = "docker/compose.yaml";
        var lines = Lines(file);
        int at = IndexOf(lines, 0, l => l == $"  {service}:", file, $"service {service}");
        var command = Sequence(lines, IndexOf(lines, at, l => l.Trim() == "command:", file, $"command of {service}"), file)
            .Select(ComposeDefault).ToArray();
        return new DeployedCommand(file, command[0], command[1..]);
    }

    /// <summary>The one container's command and args in a Kubernetes manifest.</summary>
    public static DeployedCommand Kubernetes(string file)
    {
        file = "k8s/" + file;
        var lines = Lines(file);
        int command = IndexOf(lines, 0, l => l.TrimStart().StartsWith("command: [\"", StringComparison.Ordinal), file, "command: [\"...\"]");
        string program = lines[command].Trim()["command: [\"".Length..^"\"]".Length];
        var args = Sequence(lines, IndexOf(lines, command, l => l.Trim() == "args:", file, "args:"), file);
        return new DeployedCommand(file, program, args);
    }

    /// <summary>
    /// A unit's ExecStart with the variables of <paramref name="environmentFile"/> (${X} one argument, $X split at
    /// whitespace, as systemd expands them), %i as <paramref name="instance"/> and %d as <paramref name="credentials"/>.
    /// </summary>
    public static DeployedCommand Systemd(string unit, string environmentFile, string instance, string credentials)
    {
        unit = "systemd/" + unit;
        var lines = Lines(unit);
        int start = IndexOf(lines, 0, l => l.StartsWith("ExecStart=", StringComparison.Ordinal), unit, "ExecStart=");
        var text = lines[start]["ExecStart=".Length..];
        for (int i = start + 1; text.EndsWith('\\'); i++) text = text[..^1] + " " + lines[i].Trim();
        var environment = Lines("systemd/" + environmentFile)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1]);
        string Value(string name) => environment.TryGetValue(name, out var v) ? v
            : throw new XunitException($"{unit} uses ${name}, which {environmentFile} does not set");

        var words = new List<string>();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.StartsWith('$') && !word.StartsWith("${", StringComparison.Ordinal))
                words.AddRange(Value(word[1..]).Split(' ', StringSplitOptions.RemoveEmptyEntries));
            else
                words.Add(System.Text.RegularExpressions.Regex.Replace(word, @"\$\{(\w+)\}", m => Value(m.Groups[1].Value))
                    .Replace("%i", instance, StringComparison.Ordinal).Replace("%d", credentials, StringComparison.Ordinal));
        }
        return new DeployedCommand(unit, System.IO.Path.GetFileName(words[0]), words[1..]);
    }

    /// <summary>The items of the block sequence under the key at <paramref name="key"/>: the following "- item" lines.</summary>
    private static List<string> Sequence(string[] lines, int key, string file)
    {
        var items = new List<string>();
        for (int i = key + 1; i < lines.Length && lines[i].TrimStart().StartsWith("- ", StringComparison.Ordinal); i++)
        {
            string item = lines[i].TrimStart()[2..].Trim();
            if (item.StartsWith('{') || item.StartsWith('[')) throw new XunitException($"{file}:{i + 1}: not a scalar: {item}");
            items.Add(item.Length >= 2 && item[0] == '"' && item[^1] == '"' ? item[1..^1] : item);
        }
        if (items.Count == 0) throw new XunitException($"{file}:{key + 1}: no list follows '{lines[key].Trim()}'");
        return items;
    }

    private static string ComposeDefault(string item) =>
        System.Text.RegularExpressions.Regex.Replace(item, @"\$\{\w+:-([^}]*)\}", m => m.Groups[1].Value);

    private static int IndexOf(string[] lines, int from, Func<string, bool> match, string file, string what)
    {
        for (int i = from; i < lines.Length; i++)
            if (match(lines[i]))
                return i;
        throw new XunitException($"{file} has no {what} (after line {from + 1})");
    }

    private static string[] Lines(string relative) =>
        File.ReadAllLines(PathOf(relative)).Select(l => l.Split(" #", 2)[0].TrimEnd()).ToArray();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Distributed.sln")))
                return System.IO.Path.Combine(dir.FullName, "deploy");
        throw new XunitException($"no Distributed.sln above {AppContext.BaseDirectory}");
    }
}
