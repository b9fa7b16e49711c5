using System.Buffers.Binary;
using System.Security.Cryptography;
using Dpt.Data;

namespace Dpt.Shared.Tests.Data;

public class DatasetSpec
{
    /// <summary>N examples of F features where feature j of example i is i + j/1000, and label i mod classes.</summary>
    private static Dataset Numbered(int count, int featureCount = 3, int classCount = 4, string name = "numbered")
    {
        var features = new float[count * featureCount];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < featureCount; j++) features[i * featureCount + j] = i + j / 1000f;
            labels[i] = i % classCount;
        }
        return Dataset.ForClassification(name, features, featureCount, labels, classCount);
    }

    private static Dataset Regression(int count, int featureCount = 2, int targetCount = 2)
    {
        var features = new float[count * featureCount];
        var targets = new float[count * targetCount];
        for (int i = 0; i < features.Length; i++) features[i] = i;
        for (int i = 0; i < targets.Length; i++) targets[i] = -i;
        return Dataset.ForRegression("reg", features, featureCount, targets, targetCount);
    }

    // The example index encoded in the first feature by Numbered.
    private static int[] ExampleIds(Dataset data) =>
        Enumerable.Range(0, data.Count).Select(i => (int)data.FeatureRow(i)[0]).ToArray();

    [Fact]
    public void A_classification_set_must_expose_its_shapes_and_arrays()
    {
        float[] features = [1, 2, 3, 4, 5, 6];
        int[] labels = [0, 2];
        var data = Dataset.ForClassification("tiny", features, 3, labels, 3, ["a", "b", "c"]);

        Assert.Equal(("tiny", DatasetTask.Classification, 2, 3, 3), (data.Name, data.Task, data.Count, data.FeatureCount, data.ClassCount));
        Assert.Same(features, data.Features);
        Assert.Same(labels, data.Labels);
        Assert.Equal(["a", "b", "c"], data.ClassNames!);
        Assert.Null(data.Targets);
        Assert.Equal(0, data.TargetCount);
        Assert.Equal([4f, 5, 6], data.FeatureRow(1).ToArray());
    }

    [Fact]
    public void A_regression_set_must_have_targets_and_refuse_to_give_labels()
    {
        Dataset data = Regression(3);

        Assert.Equal((DatasetTask.Regression, 3, 2, 2, 0), (data.Task, data.Count, data.FeatureCount, data.TargetCount, data.ClassCount));
        Assert.Equal(6, data.Targets!.Length);
        var e = Assert.Throws<InvalidOperationException>(() => data.Labels);
        Assert.Contains("'reg' is a regression set", e.Message);
        Assert.Throws<InvalidOperationException>(() => data.CountPerClass());
    }

    [Fact]
    public void Constructing_an_inconsistent_set_must_fail_with_a_message_naming_the_values()
    {
        var e = Assert.Throws<ArgumentException>(() => Dataset.ForClassification("d", new float[5], 3, [0, 1], 2));
        Assert.Contains("features hold 5 floats, expected Count 2 × FeatureCount 3 = 6", e.Message);

        e = Assert.Throws<ArgumentException>(() => Dataset.ForClassification("d", new float[6], 3, [0, 3], 3));
        Assert.Contains("label 3 of example 1 is out of range for 3 classes (0..2)", e.Message);

        e = Assert.Throws<ArgumentException>(() => Dataset.ForClassification("d", new float[6], 3, [0, -1], 3));
        Assert.Contains("label -1 of example 1", e.Message);

        e = Assert.Throws<ArgumentException>(() => Dataset.ForClassification("d", new float[6], 3, [0, 1], 2, ["only one"]));
        Assert.Contains("1 class names given for 2 classes", e.Message);

        e = Assert.Throws<ArgumentException>(() => Dataset.ForClassification("d", [], 0, [], 2));
        Assert.Contains("feature count 0 must be positive", e.Message);

        e = Assert.Throws<ArgumentException>(() => Dataset.ForClassification("d", new float[6], 3, [0, 0], 0));
        Assert.Contains("class count 0 must be positive", e.Message);

        e = Assert.Throws<ArgumentException>(() => Dataset.ForRegression("d", new float[6], 3, new float[5], 2));
        Assert.Contains("targets hold 5 floats, not a multiple of TargetCount 2", e.Message);

        e = Assert.Throws<ArgumentException>(() => Dataset.ForRegression("d", new float[6], 3, new float[3], 1));
        Assert.Contains("features hold 6 floats, expected Count 3 × FeatureCount 3 = 9", e.Message);

        Assert.ThrowsAny<ArgumentException>(() => Dataset.ForClassification(" ", new float[3], 3, [0], 1));
    }

    [Fact]
    public void GatherBatch_must_copy_the_selected_rows_and_labels_in_index_order()
    {
        Dataset data = Numbered(10, featureCount: 3, classCount: 4);
        int[] indices = [7, 0, 7, 9];
        var features = new float[5 * 3];
        var labels = new int[5];
        features.AsSpan().Fill(-1);
        labels.AsSpan().Fill(-1);

        data.GatherBatch(indices, features, labels);

        for (int b = 0; b < indices.Length; b++)
        {
            Assert.Equal(data.FeatureRow(indices[b]).ToArray(), features.AsSpan(b * 3, 3).ToArray());
            Assert.Equal(indices[b] % 4, labels[b]);
        }
        Assert.All(features[12..], v => Assert.Equal(-1, v)); // a buffer longer than the batch keeps its tail
        Assert.Equal(-1, labels[4]);
    }

    [Fact]
    public void GatherBatch_for_targets_must_copy_the_selected_rows_and_targets()
    {
        Dataset data = Regression(4, featureCount: 2, targetCount: 2);
        var features = new float[2 * 2];
        var targets = new float[2 * 2];

        data.GatherBatch([3, 1], features, targets);

        Assert.Equal([6f, 7, 2, 3], features);
        Assert.Equal([-6f, -7, -2, -3], targets);
        Assert.Throws<InvalidOperationException>(() => data.GatherBatch([0], new float[2], new int[1]));
        Assert.Throws<InvalidOperationException>(() => Numbered(2).GatherBatch([0], new float[3], new float[1]));
    }

    [Fact]
    public void GatherBatch_must_not_allocate()
    {
        Dataset data = Numbered(1000, featureCount: 784, classCount: 10);
        int[] indices = EpochOrder.Permutation(1000, 1, 0)[..128];
        var features = new float[128 * 784];
        var labels = new int[128];
        data.GatherBatch(indices, features, labels); // warm up: JIT compilation allocates

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 0; step < 100; step++)
            data.GatherBatch(indices, features, labels);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void GatherBatch_must_reject_an_index_outside_the_set_and_buffers_too_small()
    {
        Dataset data = Numbered(5);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => data.GatherBatch([1, 5], new float[6], new int[2]));
        Assert.Contains("index 5 at position 1 is outside data set 'numbered' of 5 examples", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.GatherBatch([-1], new float[3], new int[1]));
        var small = Assert.Throws<ArgumentException>(() => data.GatherBatch([0, 1], new float[5], new int[2]));
        Assert.Contains("features buffer holds 5 floats; a batch of 2 × 3 features needs 6", small.Message);
        small = Assert.Throws<ArgumentException>(() => data.GatherBatch([0, 1], new float[6], new int[1]));
        Assert.Contains("labels buffer holds 1 values; a batch of 2 needs 2", small.Message);
    }

    [Fact]
    public void Subset_must_copy_the_selected_examples_and_keep_the_classes()
    {
        var data = Dataset.ForClassification("d", [0, 0, 1, 1, 2, 2], 2, [0, 1, 2], 3, ["x", "y", "z"]);

        Dataset subset = data.Subset([2, 0, 2], "picked");

        Assert.Equal("picked", subset.Name);
        Assert.Equal([2f, 2, 0, 0, 2, 2], subset.Features);
        Assert.Equal([2, 0, 2], subset.Labels);
        Assert.Equal((3, 2), (subset.ClassCount, subset.FeatureCount));
        Assert.Equal(["x", "y", "z"], subset.ClassNames!);
        subset.Features[0] = 99;
        Assert.Equal(2f, data.Features[4]); // copied, not shared
        Assert.Equal(0, data.Subset([], "none").Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Subset([3], "bad"));
    }

    [Fact]
    public void Subset_of_a_regression_set_must_copy_targets()
    {
        Dataset subset = Regression(3).Subset([2], "last");
        Assert.Equal([4f, 5], subset.Features);
        Assert.Equal([-4f, -5], subset.Targets!);
        Assert.Equal(DatasetTask.Regression, subset.Task);
    }

    [Theory]
    [InlineData(1000, 0.2, 200)]
    [InlineData(1000, 0.1, 100)]
    [InlineData(100, 0.29, 29)]
    [InlineData(10, 0.05, 1)] // rounds to 1 (0.5 rounds away from zero)
    [InlineData(10, 0.01, 1)] // at least one example
    [InlineData(2, 0.9, 1)] // at least one left to train on
    public void SplitValidation_must_split_off_the_rounded_fraction_keeping_both_parts_non_empty(int count, double fraction, int expected)
    {
        var (train, validation) = Numbered(count).SplitValidation(fraction, seed: 3);

        Assert.Equal(expected, validation!.Count);
        Assert.Equal(count - expected, train.Count);
    }

    [Fact]
    public void SplitValidation_parts_must_be_disjoint_cover_the_set_and_keep_the_original_order()
    {
        Dataset data = Numbered(500);
        var (train, validation) = data.SplitValidation(0.3, seed: 11);

        int[] trainIds = ExampleIds(train), validationIds = ExampleIds(validation!);
        Assert.Empty(trainIds.Intersect(validationIds));
        Assert.Equal(Enumerable.Range(0, 500), trainIds.Concat(validationIds).Order());
        Assert.Equal(trainIds.Order(), trainIds);
        Assert.Equal(validationIds.Order(), validationIds);
        Assert.All(trainIds.Select((id, k) => (id, k)), p => Assert.Equal(p.id % 4, train.Labels[p.k]));
        Assert.Equal("numbered:train", train.Name);
        Assert.Equal("numbered:validation", validation!.Name);
    }

    [Fact]
    public void SplitValidation_must_depend_only_on_the_seed()
    {
        Dataset data = Numbered(300);
        int[] first = ExampleIds(data.SplitValidation(0.25, seed: 5).Validation!);

        Assert.Equal(first, ExampleIds(Numbered(300).SplitValidation(0.25, seed: 5).Validation!));
        Assert.NotEqual(first, ExampleIds(data.SplitValidation(0.25, seed: 6).Validation!));
    }

    [Fact]
    public void SplitValidation_with_fraction_zero_must_return_the_set_itself_and_no_validation()
    {
        Dataset data = Numbered(10);
        var (train, validation) = data.SplitValidation(0, seed: 1);
        Assert.Same(data, train);
        Assert.Null(validation);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void SplitValidation_must_reject_a_fraction_outside_zero_to_one(double fraction)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Numbered(10).SplitValidation(fraction, seed: 1));
        Assert.Contains($"validation fraction {fraction} must be in [0, 1)", e.Message);
    }

    [Fact]
    public void SplitValidation_of_a_single_example_must_explain_it_cannot_split()
    {
        var e = Assert.Throws<ArgumentException>(() => Numbered(1).SplitValidation(0.5, seed: 1));
        Assert.Contains("has 1 example(s); splitting off a validation set needs at least 2", e.Message);
    }

    [Fact]
    public void ContentHash_must_be_SHA256_over_the_documented_little_endian_layout()
    {
        var data = Dataset.ForClassification("any name", [1.5f, -2f], 1, [1, 0], 2);

        var expected = new List<byte>("dpt-dataset-v1"u8.ToArray());
        foreach (int v in new[] { 0, 2, 1, 2, 0 }) AddInt(v); // task, count, features, classes, targets
        AddInt(BitConverter.SingleToInt32Bits(1.5f));
        AddInt(BitConverter.SingleToInt32Bits(-2f));
        AddInt(1);
        AddInt(0);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected.ToArray())), data.ComputeContentHash());

        void AddInt(int v)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, v);
            expected.AddRange(bytes);
        }
    }

    [Fact]
    public void ContentHash_must_be_stable_and_ignore_names()
    {
        string hash = Numbered(50).ComputeContentHash();

        Assert.Matches("^[0-9a-f]{64}$", hash);
        Assert.Equal(hash, Numbered(50).ComputeContentHash());
        Assert.Equal(hash, Numbered(50, name: "other name").ComputeContentHash());
    }

    [Fact]
    public void ContentHash_must_change_with_any_feature_label_shape_or_class_count()
    {
        string hash = Numbered(50).ComputeContentHash();
        var hashes = new List<string> { hash };

        Dataset feature = Numbered(50);
        feature.Features[77] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(feature.Features[77]) ^ 1); // one bit
        hashes.Add(feature.ComputeContentHash());

        Dataset label = Numbered(50);
        label.Labels[49] = (label.Labels[49] + 1) % 4;
        hashes.Add(label.ComputeContentHash());

        var sixFloats = new float[6];
        hashes.Add(Dataset.ForClassification("a", sixFloats, 3, [0, 0], 2).ComputeContentHash());
        hashes.Add(Dataset.ForClassification("a", sixFloats, 2, [0, 0, 0], 2).ComputeContentHash());
        hashes.Add(Dataset.ForClassification("a", sixFloats, 3, [0, 0], 3).ComputeContentHash());
        hashes.Add(Dataset.ForRegression("a", sixFloats, 3, [0, 0], 1).ComputeContentHash());
        hashes.Add(Numbered(49).ComputeContentHash());

        Assert.Equal(hashes.Count, hashes.Distinct().Count());
    }

    [Fact]
    public void CountPerClass_must_count_each_label()
    {
        Assert.Equal([3, 3, 2, 2], Numbered(10, classCount: 4).CountPerClass());
    }

    [Fact]
    public void ToString_and_Describe_must_show_shape_ranges_and_classes_for_logs()
    {
        var data = Dataset.ForClassification("clothes", [0, 255, 10, 20], 2, [1, 1], 2, ["Bag", "Coat"]);

        Assert.Equal("clothes: 2 examples × 2 features, 2 classes", data.ToString());
        string description = data.Describe();
        Assert.StartsWith(data.ToString(), description);
        Assert.Contains("features: min 0, max 255, mean 71.25", description);
        Assert.Contains("examples per class: Bag 0, Coat 2", description);

        string regression = Regression(2, featureCount: 1, targetCount: 1).Describe();
        Assert.Contains("reg: 2 examples × 1 features, 1 regression target", regression);
        Assert.Contains("targets: min -1, max 0, mean -0.5", regression);
    }
}
