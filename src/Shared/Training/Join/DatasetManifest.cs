// What a worker must hold to train on a run's data: the data set's files, each named, sized and hashed,
// or for a synthetic set only the parameters it is generated from. The manifest's own SHA-256 names the
// data set as a whole (the worker's cache folder, the "dpt.data" join metadata). Reading and hashing
// the files is DatasetSource's job (coordinator) and DatasetFetcher's (worker); this file holds values only.
using System.Security.Cryptography;
using System.Text;

namespace Dpt.Training.Join;

/// <summary>
/// One file of a data set as the coordinator loads it: <see cref="Name"/> is a plain file name (no
/// directory, no "..", not hidden), the name under which the worker stores it and the only name it may
/// ask the coordinator for; <see cref="Sha256"/> is 64 lower-case hex digits.
/// </summary>
public sealed record DatasetFile
{
    public DatasetFile(string name, long length, string sha256)
    {
        if (!IsPlainFileName(name))
            throw new ArgumentException($"data file name '{name}' must be a plain file name: no directory part, not '.' or '..', not hidden, no control characters", nameof(name));
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, $"data file '{name}': length must not be negative");
        if (!IsSha256Hex(sha256))
            throw new ArgumentException($"data file '{name}': '{sha256}' is not a SHA-256 in 64 lower-case hex digits", nameof(sha256));
        (Name, Length, Sha256) = (name, length, sha256);
    }

    public string Name { get; }

    /// <summary>Bytes.</summary>
    public long Length { get; }

    public string Sha256 { get; }

    public override string ToString() => $"{Name} ({Length:N0} bytes, sha256 {Sha256[..12]}…)";

    /// <summary>True for a name that stays inside any directory it is combined with, on every platform.</summary>
    public static bool IsPlainFileName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 255 && name[0] != '.'
        && name.IndexOfAny(['/', '\\', ':']) < 0 && !name.Any(char.IsControl);

    /// <summary>True for 64 lower-case hex digits.</summary>
    public static bool IsSha256Hex(string? hex) =>
        hex is { Length: 64 } && hex.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}

/// <summary>
/// The data set of a run. File-based sets (fashion-mnist, mnist, csv) list their <see cref="Files"/>:
/// for MNIST-format sets the four IDX files under their own names, for csv the training file first and
/// the test file, if any, second. Synthetic sets (spirals, xor, blobs, random) list none: workers
/// regenerate them from <see cref="Parameters"/>. <see cref="Sha256"/> hashes all of it.
/// </summary>
public sealed record DatasetManifest
{
    public DatasetManifest(string dataset, IReadOnlyList<DatasetFile> files, string parameters = "")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(parameters);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in files)
        {
            ArgumentNullException.ThrowIfNull(file, nameof(files));
            // Case-insensitively: two names differing only in case would be one file on some file systems.
            if (!names.Add(file.Name))
                throw new ArgumentException($"data set '{dataset}': the file name '{file.Name}' appears twice", nameof(files));
        }
        Dataset = dataset;
        Files = files.ToArray();
        Parameters = parameters;
        Sha256 = Hash(dataset, Files, parameters);
    }

    /// <summary>The data set's name as <see cref="TrainingOptions.Dataset"/> spells it.</summary>
    public string Dataset { get; }

    public IReadOnlyList<DatasetFile> Files { get; }

    /// <summary>What else defines the data, e.g. "samples=10000 seed=1" for a synthetic set; "" if nothing.</summary>
    public string Parameters { get; }

    /// <summary>SHA-256 (lower-case hex) of the canonical text of the data set's name, parameters and files.</summary>
    public string Sha256 { get; }

    /// <summary>True when there is nothing to transfer: the set is generated.</summary>
    public bool IsSynthetic => Files.Count == 0;

    /// <summary>Total bytes of the files.</summary>
    public long TotalLength => Files.Sum(f => f.Length);

    /// <summary>The file named <paramref name="name"/> (exactly), or null if the manifest lists none.</summary>
    public DatasetFile? Find(string name) => Files.FirstOrDefault(f => f.Name == name);

    public bool Equals(DatasetManifest? other) => other is not null && Sha256 == other.Sha256;

    public override int GetHashCode() => Sha256.GetHashCode(StringComparison.Ordinal);

    public override string ToString() =>
        IsSynthetic
            ? $"{Dataset} (generated: {Parameters}; manifest {Sha256[..12]}…)"
            : $"{Dataset} ({Files.Count} files, {TotalLength:N0} bytes; manifest {Sha256[..12]}…)";

    /// <summary>One line per field, then one per file ("name\tlength\tsha256"), UTF-8: names are plain file
    /// names and parameters hold no line breaks that could make two manifests read alike.</summary>
    private static string Hash(string dataset, IReadOnlyList<DatasetFile> files, string parameters)
    {
        var text = new StringBuilder()
            .Append("dpt-dataset-manifest 1\n")
            .Append("dataset\t").Append(dataset).Append('\n')
            .Append("parameters\t").Append(parameters.ReplaceLineEndings(" ")).Append('\n');
        foreach (var f in files)
            text.Append(f.Name).Append('\t').Append(f.Length).Append('\t').Append(f.Sha256).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}

/// <summary>
/// The shape of a run's loaded data, after the validation split: what a worker's own copy must match
/// before it trains. <see cref="Outputs"/> is the class count (classification) or target count (regression).
/// </summary>
public sealed record DatasetShape(int Features, int Outputs, int TrainCount, int ValidationCount, int TestCount)
{
    /// <summary>The shape of <paramref name="data"/>.</summary>
    public static DatasetShape Of(TrainingData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var train = data.Train;
        return new(train.FeatureCount, train.ClassCount > 0 ? train.ClassCount : train.TargetCount,
            train.Count, data.Validation?.Count ?? 0, data.Test?.Count ?? 0);
    }

    /// <summary>What differs between the coordinator's shape and a worker's, as one line; null when they are equal.</summary>
    public static string? Compare(DatasetShape coordinator, DatasetShape worker)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        ArgumentNullException.ThrowIfNull(worker);
        var differences = new List<string>();
        void Check(string what, int c, int w) { if (c != w) differences.Add($"{what}: coordinator {c}, worker {w}"); }
        Check("features", coordinator.Features, worker.Features);
        Check("outputs", coordinator.Outputs, worker.Outputs);
        Check("training samples", coordinator.TrainCount, worker.TrainCount);
        Check("validation samples", coordinator.ValidationCount, worker.ValidationCount);
        Check("test samples", coordinator.TestCount, worker.TestCount);
        return differences.Count == 0 ? null : string.Join("; ", differences);
    }

    public override string ToString() =>
        $"{Features} features, {Outputs} outputs, {TrainCount} training / {ValidationCount} validation / {TestCount} test samples";
}
