// Whether a worker may join a run: the same protocol, the same model, the same data. A pure comparison
// with a message that names each difference and both sides' values, and the string metadata the cluster
// layer's join validator (Func<Join, string?>) carries from worker to coordinator.
namespace Dpt.Training.Join;

/// <summary>
/// What a node states about itself at join: its <see cref="ProtocolVersion"/>, and once it knows them the
/// <see cref="Model"/> (<see cref="Dpt.Model.MlpSpec.ToString"/>) and the data set's manifest SHA-256
/// (<see cref="DataSha256"/>). A worker that has not loaded the run's configuration yet states only its protocol.
/// </summary>
public sealed record JoinIdentity(int ProtocolVersion, string? Model = null, string? DataSha256 = null)
{
    /// <summary>The coordinator's identity for the run it serves.</summary>
    public static JoinIdentity Of(JoinProtocol.TrainingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new(JoinProtocol.CurrentVersion, config.Model, config.Dataset.Sha256);
    }
}

public static class JoinCheck
{
    /// <summary>
    /// Null when <paramref name="worker"/> may join <paramref name="coordinator"/>'s run; otherwise one line
    /// naming every difference, e.g. "model: coordinator [784-256-128-10] relu softmax-cross-entropy, worker
    /// [784-100-10] relu softmax-cross-entropy; data set hash: coordinator 3f2a…, worker 9c1b…". The protocol
    /// is always compared; the model and the data only where both sides state them.
    /// </summary>
    public static string? Compare(JoinIdentity coordinator, JoinIdentity worker)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        ArgumentNullException.ThrowIfNull(worker);
        var differences = new List<string>();
        if (coordinator.ProtocolVersion != worker.ProtocolVersion)
            differences.Add($"protocol: coordinator {coordinator.ProtocolVersion}, worker {worker.ProtocolVersion}");
        if (coordinator.Model is { } cm && worker.Model is { } wm && cm != wm)
            differences.Add($"model: coordinator {cm}, worker {wm}");
        if (coordinator.DataSha256 is { } cd && worker.DataSha256 is { } wd && cd != wd)
        {
            // Short hashes read better; the full ones where the short ones would look equal.
            bool shortDiffer = !cd.AsSpan(0, Math.Min(12, cd.Length)).SequenceEqual(wd.AsSpan(0, Math.Min(12, wd.Length)));
            string Show(string h) => shortDiffer && h.Length > 12 ? h[..12] + "…" : h;
            differences.Add($"data set hash: coordinator {Show(cd)}, worker {Show(wd)}");
        }
        return differences.Count == 0 ? null : string.Join("; ", differences);
    }
}

/// <summary>The keys of a worker's join metadata, and the helpers that write them (worker) and check them (coordinator).</summary>
public static class JoinMetadata
{
    /// <summary>The protocol version, decimal. Always present.</summary>
    public const string ProtocolKey = "dpt.protocol";

    /// <summary>The model, as <see cref="Dpt.Model.MlpSpec.ToString"/> writes it; absent before the worker knows it.</summary>
    public const string ModelKey = "dpt.model";

    /// <summary>The data set's manifest SHA-256; absent before the worker knows it.</summary>
    public const string DataKey = "dpt.data";

    /// <summary>The metadata a worker sends with its join.</summary>
    public static IReadOnlyDictionary<string, string> For(JoinIdentity worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [ProtocolKey] = worker.ProtocolVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (worker.Model is { } model) metadata[ModelKey] = model;
        if (worker.DataSha256 is { } data) metadata[DataKey] = data;
        return metadata;
    }

    /// <summary>Null if a worker stating <paramref name="metadata"/> may join <paramref name="coordinator"/>'s run,
    /// else why not (the refusal the cluster layer sends back to the worker).</summary>
    public static string? Validate(JoinIdentity coordinator, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        ArgumentNullException.ThrowIfNull(metadata);
        if (!metadata.TryGetValue(ProtocolKey, out var protocol))
            return $"the worker states no {ProtocolKey}: it is not a dpt worker, or older than protocol 1; coordinator speaks protocol {coordinator.ProtocolVersion}";
        if (!int.TryParse(protocol, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int version) || version <= 0)
            return $"the worker's {ProtocolKey} '{protocol}' is not a protocol version; coordinator speaks protocol {coordinator.ProtocolVersion}";
        var worker = new JoinIdentity(version, metadata.GetValueOrDefault(ModelKey), metadata.GetValueOrDefault(DataKey));
        return JoinCheck.Compare(coordinator, worker) is { } differences ? $"worker refused: {differences}" : null;
    }

    /// <summary><see cref="Validate"/> as the cluster layer's join validator takes it, given a join's metadata.</summary>
    public static Func<IReadOnlyDictionary<string, string>, string?> Validator(JoinIdentity coordinator)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        return metadata => Validate(coordinator, metadata);
    }
}
