// Temporary data sets and configs for the join specs.
using Dpt.Training;
using Dpt.Training.Join;

namespace Dpt.Shared.Tests.Training.Join;

/// <summary>A temporary directory deleted with the fixture.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("dpt-join-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Sub(string name) => Directory.CreateDirectory(System.IO.Path.Combine(Path, name)).FullName;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

internal static class JoinFixtures
{
    /// <summary>Writes <paramref name="length"/> seeded random bytes to <paramref name="path"/> and returns them.</summary>
    public static byte[] WriteRandomFile(string path, int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        System.IO.File.WriteAllBytes(path, bytes);
        return bytes;
    }

    /// <summary>A config for a csv data set served from <paramref name="source"/>, with placeholder model and shape.</summary>
    public static JoinProtocol.TrainingConfig ConfigFor(DatasetSource source, IReadOnlyList<ParameterServerShard>? shards = null) =>
        new(new TrainingOptions { Dataset = source.Manifest.Dataset, DataPath = "/nowhere/train.csv", Hidden = [8] },
            shards ?? [], "[4-8-3] relu softmax-cross-entropy", source.Manifest, new DatasetShape(4, 3, 100, 0, 20));

    /// <summary>A small classification CSV: <paramref name="rows"/> rows of four features and a label of three classes.</summary>
    public static void WriteCsv(string path, int rows, int seed)
    {
        var random = new Random(seed);
        using var writer = new StreamWriter(path);
        writer.WriteLine("a,b,c,d,label");
        for (int i = 0; i < rows; i++)
            writer.WriteLine($"{random.NextDouble():F4},{random.NextDouble():F4},{random.NextDouble():F4},{random.NextDouble():F4},{i % 3}");
    }
}
