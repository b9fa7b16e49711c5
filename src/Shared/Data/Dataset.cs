// An in-memory data set: a row-major feature matrix with class labels or real-valued targets, and
// what training does with it: gather batches, take subsets, split off a validation set, hash the
// contents. Reading files (IdxReader, CsvDataset) and scaling (FeatureScaler) live elsewhere.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Dpt.Numerics;

namespace Dpt.Data;

/// <summary>
/// N = <see cref="Count"/> examples of F = <see cref="FeatureCount"/> features, each with one class
/// label (<see cref="DatasetTask.Classification"/>) or T = <see cref="TargetCount"/> real-valued
/// targets (<see cref="DatasetTask.Regression"/>). The arrays are taken over, not copied: callers must
/// not change them afterwards, except to scale the features in place with <see cref="FeatureScaler"/>.
/// Reading members (GatherBatch, Subset, SplitValidation, ComputeContentHash) may run on several threads at once.
/// </summary>
public sealed class Dataset
{
    // The validation split's RNG stream. Epoch shuffles use the epoch number as their stream,
    // so a constant far above any epoch count keeps the split independent of every epoch order.
    private const ulong ValidationSplitStream = 0x5350_4C49_5400_0000; // "SPLIT"

    private readonly int[]? _labels;

    private Dataset(
        string name, DatasetTask task, int count, float[] features, int featureCount,
        int[]? labels, int classCount, IReadOnlyList<string>? classNames, float[]? targets, int targetCount)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(features);
        if (featureCount <= 0)
            throw new ArgumentException($"data set '{name}': feature count {featureCount} must be positive", nameof(featureCount));
        if (features.Length != (long)count * featureCount)
            throw new ArgumentException(
                $"data set '{name}': features hold {features.Length} floats, expected Count {count} × FeatureCount {featureCount} = {(long)count * featureCount}",
                nameof(features));

        if (task == DatasetTask.Classification)
        {
            ArgumentNullException.ThrowIfNull(labels);
            if (classCount <= 0)
                throw new ArgumentException($"data set '{name}': class count {classCount} must be positive", nameof(classCount));
            for (int i = 0; i < labels.Length; i++)
                if ((uint)labels[i] >= (uint)classCount)
                    throw new ArgumentException(
                        $"data set '{name}': label {labels[i]} of example {i} is out of range for {classCount} classes (0..{classCount - 1})",
                        nameof(labels));
            if (classNames is not null)
            {
                if (classNames.Count != classCount)
                    throw new ArgumentException($"data set '{name}': {classNames.Count} class names given for {classCount} classes", nameof(classNames));
                for (int c = 0; c < classNames.Count; c++)
                    if (classNames[c] is null)
                        throw new ArgumentException($"data set '{name}': class name {c} is null", nameof(classNames));
                classNames = classNames.ToArray();
            }
        }
        else
        {
            ArgumentNullException.ThrowIfNull(targets);
            if (targetCount <= 0)
                throw new ArgumentException($"data set '{name}': target count {targetCount} must be positive", nameof(targetCount));
            if (targets.Length != (long)count * targetCount)
                throw new ArgumentException(
                    $"data set '{name}': targets hold {targets.Length} floats, expected Count {count} × TargetCount {targetCount} = {(long)count * targetCount}",
                    nameof(targets));
        }

        Name = name;
        Task = task;
        Count = count;
        Features = features;
        FeatureCount = featureCount;
        _labels = labels;
        ClassCount = classCount;
        ClassNames = classNames;
        Targets = targets;
        TargetCount = targetCount;
    }

    /// <summary>
    /// A classification set of <c>labels.Length</c> examples. <paramref name="features"/> is (N, F)
    /// row-major; every label must be in [0, <paramref name="classCount"/>); <paramref name="classNames"/>,
    /// if given, has one name per class.
    /// </summary>
    public static Dataset ForClassification(
        string name, float[] features, int featureCount, int[] labels, int classCount, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return new Dataset(name, DatasetTask.Classification, labels.Length, features, featureCount, labels, classCount, classNames, null, 0);
    }

    /// <summary>
    /// A regression set of <c>targets.Length / targetCount</c> examples: <paramref name="features"/> is
    /// (N, F) and <paramref name="targets"/> is (N, T) row-major.
    /// </summary>
    public static Dataset ForRegression(string name, float[] features, int featureCount, float[] targets, int targetCount)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targetCount <= 0)
            throw new ArgumentException($"data set '{name}': target count {targetCount} must be positive", nameof(targetCount));
        if (targets.Length % targetCount != 0)
            throw new ArgumentException(
                $"data set '{name}': targets hold {targets.Length} floats, not a multiple of TargetCount {targetCount}", nameof(targets));
        return new Dataset(name, DatasetTask.Regression, targets.Length / targetCount, features, featureCount, null, 0, null, targets, targetCount);
    }

    /// <summary>A name for logs, e.g. "fashion-mnist/train".</summary>
    public string Name { get; }

    /// <summary>Whether the examples carry labels or targets.</summary>
    public DatasetTask Task { get; }

    /// <summary>N, the number of examples.</summary>
    public int Count { get; }

    /// <summary>F, the number of features per example.</summary>
    public int FeatureCount { get; }

    /// <summary>The features, (N, F) row-major: example i is <c>Features[i*F .. (i+1)*F)</c>.</summary>
    public float[] Features { get; }

    /// <summary>The class label of each example, (N); only for <see cref="DatasetTask.Classification"/>.</summary>
    /// <exception cref="InvalidOperationException">The set is a regression set.</exception>
    public int[] Labels => _labels ?? throw NotClassification();

    /// <summary>The number of classes (labels are in [0, ClassCount)); 0 for a regression set.</summary>
    public int ClassCount { get; }

    /// <summary>One name per class, where the source has them (Fashion-MNIST, string labels in CSV); otherwise null.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>The targets, (N, T) row-major, for a regression set; null for a classification set.</summary>
    public float[]? Targets { get; }

    /// <summary>T, the number of targets per example; 0 for a classification set.</summary>
    public int TargetCount { get; }

    /// <summary>The features of example <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> FeatureRow(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Features.AsSpan(index * FeatureCount, FeatureCount);
    }

    /// <summary>
    /// Copies the examples at <paramref name="indices"/> (B of them) into a contiguous batch:
    /// <paramref name="features"/> receives (B, F) and <paramref name="labels"/> (B). The buffers may be
    /// longer than the batch (a last, short batch); the rest is left as it was. Allocates nothing.
    /// </summary>
    public void GatherBatch(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels)
    {
        int[] source = _labels ?? throw NotClassification();
        CheckBatchBuffers(indices.Length, features.Length, labels.Length, 1, nameof(labels));
        GatherFeatures(indices, features);
        for (int b = 0; b < indices.Length; b++)
            labels[b] = source[indices[b]];
    }

    /// <summary>
    /// Copies the examples at <paramref name="indices"/> (B of them) into a contiguous batch:
    /// <paramref name="features"/> receives (B, F) and <paramref name="targets"/> (B, T). Allocates nothing.
    /// </summary>
    public void GatherBatch(ReadOnlySpan<int> indices, Span<float> features, Span<float> targets)
    {
        float[] source = Targets ?? throw NotRegression();
        CheckBatchBuffers(indices.Length, features.Length, targets.Length, TargetCount, nameof(targets));
        GatherFeatures(indices, features);
        GatherTargets(source, indices, targets);
    }

    /// <summary>A new data set of the examples at <paramref name="indices"/>, in that order (repeats allowed), with copied arrays.</summary>
    public Dataset Subset(ReadOnlySpan<int> indices, string name)
    {
        var features = FeatureBuffer.Allocate((long)indices.Length * FeatureCount); // every element is gathered next
        GatherFeatures(indices, features);
        if (Task == DatasetTask.Classification)
        {
            var labels = new int[indices.Length];
            for (int b = 0; b < indices.Length; b++)
                labels[b] = _labels![indices[b]];
            return new Dataset(name, Task, indices.Length, features, FeatureCount, labels, ClassCount, ClassNames, null, 0);
        }
        var targets = new float[(long)indices.Length * TargetCount];
        GatherTargets(Targets!, indices, targets);
        return new Dataset(name, Task, indices.Length, features, FeatureCount, null, 0, null, targets, TargetCount);
    }

    /// <summary>
    /// Splits off round(<paramref name="fraction"/> · N) examples, at least 1 and at most N − 1, chosen
    /// by a shuffle seeded with <paramref name="seed"/>; both parts keep the original order. A fraction
    /// of 0 returns this set itself and no validation set.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is not in [0, 1).</exception>
    /// <exception cref="ArgumentException">The set has fewer than 2 examples and the fraction is not 0.</exception>
    public (Dataset Train, Dataset? Validation) SplitValidation(double fraction, ulong seed)
    {
        if (!(fraction >= 0 && fraction < 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, $"validation fraction {fraction} must be in [0, 1)");
        if (fraction == 0)
            return (this, null);
        if (Count < 2)
            throw new ArgumentException($"data set '{Name}' has {Count} example(s); splitting off a validation set needs at least 2", nameof(fraction));

        int validationCount = (int)Math.Clamp(Math.Round(fraction * Count, MidpointRounding.AwayFromZero), 1, Count - 1);
        int[] order = Rng.Permutation(Count, seed, ValidationSplitStream);
        Span<int> validation = order.AsSpan(0, validationCount);
        Span<int> train = order.AsSpan(validationCount);
        validation.Sort();
        train.Sort();
        return (Subset(train, $"{Name}:train"), Subset(validation, $"{Name}:validation"));
    }

    /// <summary>How many examples each class has, indexed by class.</summary>
    public int[] CountPerClass()
    {
        int[] labels = _labels ?? throw NotClassification();
        var counts = new int[ClassCount];
        foreach (int label in labels)
            counts[label]++;
        return counts;
    }

    /// <summary>
    /// A SHA-256 over the task, the shapes, the features and the labels or targets (their exact bits,
    /// little-endian), as 64 lowercase hex digits. Equal hashes mean a worker holds the same numbers as
    /// its coordinator; the name and class names are not included, as they do not change training.
    /// </summary>
    public string ComputeContentHash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("dpt-dataset-v1"u8);
        Span<int> shape = [(int)Task, Count, FeatureCount, ClassCount, TargetCount];
        AppendLittleEndian(hash, shape);
        AppendLittleEndian(hash, Features.AsSpan());
        if (_labels is not null) AppendLittleEndian(hash, _labels.AsSpan());
        if (Targets is not null) AppendLittleEndian(hash, Targets.AsSpan());
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>A few lines for logs: shape, feature range and mean, and the class histogram or target range.</summary>
    public string Describe()
    {
        var text = new StringBuilder(ToString());
        if (Count == 0)
            return text.ToString();
        text.Append($"\n  features: min {TensorPrimitives.Min(Features):G6}, max {TensorPrimitives.Max(Features):G6}, mean {Mean(Features):G6}");
        if (Task == DatasetTask.Classification)
        {
            int[] counts = CountPerClass();
            text.Append("\n  examples per class:");
            for (int c = 0; c < ClassCount; c++)
                text.Append(c == 0 ? " " : ", ").Append(ClassNames is null ? c.ToString() : ClassNames[c]).Append(' ').Append(counts[c]);
        }
        else
        {
            text.Append($"\n  targets: min {TensorPrimitives.Min(Targets!):G6}, max {TensorPrimitives.Max(Targets!):G6}, mean {Mean(Targets!):G6}");
        }
        return text.ToString();
    }

    /// <summary>One line: name, shape and task, e.g. "xor: 200 examples × 2 features, 2 classes".</summary>
    public override string ToString() =>
        Task == DatasetTask.Classification
            ? $"{Name}: {Count} examples × {FeatureCount} features, {ClassCount} classes"
            : $"{Name}: {Count} examples × {FeatureCount} features, {TargetCount} regression target{(TargetCount == 1 ? "" : "s")}";

    private void GatherFeatures(ReadOnlySpan<int> indices, Span<float> destination)
    {
        int f = FeatureCount;
        ReadOnlySpan<float> all = Features;
        for (int b = 0; b < indices.Length; b++)
        {
            int i = indices[b];
            if ((uint)i >= (uint)Count)
                ThrowIndexOutOfRange(i, b);
            all.Slice(i * f, f).CopyTo(destination.Slice(b * f, f));
        }
    }

    // Indices were checked by GatherFeatures, which always runs first.
    private void GatherTargets(float[] source, ReadOnlySpan<int> indices, Span<float> destination)
    {
        int t = TargetCount;
        for (int b = 0; b < indices.Length; b++)
            source.AsSpan(indices[b] * t, t).CopyTo(destination.Slice(b * t, t));
    }

    private void CheckBatchBuffers(int batch, int featuresLength, int answersLength, int answersPerExample, string answersName)
    {
        if (featuresLength < (long)batch * FeatureCount)
            throw new ArgumentException(
                $"features buffer holds {featuresLength} floats; a batch of {batch} × {FeatureCount} features needs {(long)batch * FeatureCount}", "features");
        if (answersLength < (long)batch * answersPerExample)
            throw new ArgumentException(
                $"{answersName} buffer holds {answersLength} values; a batch of {batch} needs {(long)batch * answersPerExample}", answersName);
    }

    [DoesNotReturn]
    private void ThrowIndexOutOfRange(int index, int position) =>
        throw new ArgumentOutOfRangeException("indices", index, $"index {index} at position {position} is outside data set '{Name}' of {Count} examples");

    private InvalidOperationException NotClassification() =>
        new($"data set '{Name}' is a regression set: it has targets, not class labels");

    private InvalidOperationException NotRegression() =>
        new($"data set '{Name}' is a classification set: it has class labels, not targets");

    private static double Mean(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float v in values) sum += v;
        return sum / values.Length;
    }

    // Hash input is fixed as little-endian so that machines of either byte order agree.
    private static void AppendLittleEndian<T>(IncrementalHash hash, ReadOnlySpan<T> values) where T : unmanaged
    {
        Debug.Assert(Unsafe.SizeOf<T>() == sizeof(int), "only 4-byte elements are hashed");
        if (BitConverter.IsLittleEndian)
        {
            hash.AppendData(MemoryMarshal.AsBytes(values));
            return;
        }
        ReadOnlySpan<int> words = MemoryMarshal.Cast<T, int>(values);
        Span<int> chunk = stackalloc int[1024];
        for (int start = 0; start < words.Length; start += chunk.Length)
        {
            ReadOnlySpan<int> part = words.Slice(start, Math.Min(chunk.Length, words.Length - start));
            BinaryPrimitives.ReverseEndianness(part, chunk);
            hash.AppendData(MemoryMarshal.AsBytes(chunk[..part.Length]));
        }
    }
}
