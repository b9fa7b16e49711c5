// One small `dpt train --json` run, made once for a spec class that only reads it: two epochs on 400
// samples of Gaussian blobs with a fixed seed, into a temporary output directory.
using System.Text.Json;
using Xunit.Sdk;

namespace Dpt.Coordinator.Tests.Cli;

public sealed class TrainedRun : IAsyncLifetime
{
    public const int Epochs = 2;
    public const int Samples = 400;
    public const int TestSamples = Samples / 5;
    public const int BatchSize = 32;
    public const int Workers = 2;
    public const ulong Seed = 3;
    public const string Name = "run";

    private readonly TempDirectory _output = new();

    /// <summary>The arguments of the run, writing <paramref name="output"/>/<paramref name="name"/>; <paramref name="more"/> come last.</summary>
    public static string[] Arguments(string output, string name = Name, params string[] more) =>
    [
        "train", "--dataset", "blobs", "--samples", $"{Samples}", "--layers", "8", "--epochs", $"{Epochs}", "--batch-size", $"{BatchSize}",
        "--workers", $"{Workers}", "--seed", $"{Seed}", "--output", output, "--name", name, .. more,
    ];

    internal DptResult Result { get; private set; } = null!;

    public string Folder => _output.File(Name);

    /// <summary>Standard output's lines, each parsed as JSON.</summary>
    public JsonElement[] EpochLines => Result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();

    public async Task InitializeAsync()
    {
        Result = await DptProcess.RunAsync(Arguments(_output.Path, Name, "--json"));
        if (Result.ExitCode != 0) throw new XunitException($"the training run the specs read failed\n{Result}");
    }

    public Task DisposeAsync()
    {
        _output.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Copies the run folder to <paramref name="directory"/> and returns the copy's path.</summary>
    internal string CopyTo(TempDirectory directory)
    {
        string copy = directory.File(Name);
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.EnumerateFiles(Folder))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }
}
