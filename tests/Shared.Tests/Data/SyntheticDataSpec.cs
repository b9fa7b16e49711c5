using Dpt.Data;

namespace Dpt.Shared.Tests.Data;

public class SyntheticDataSpec
{
    public static TheoryData<string> Generators => new() { "spirals", "xor", "blobs", "random" };

    private static Dataset Make(string generator, ulong seed) => generator switch
    {
        "spirals" => SyntheticData.TwoSpirals(100, 0.05, seed),
        "xor" => SyntheticData.Xor(200, 0.1, seed),
        "blobs" => SyntheticData.GaussianBlobs(200, 4, 5, 0.2, seed),
        "random" => SyntheticData.Random(200, 7, 3, seed),
        _ => throw new ArgumentException(generator),
    };

    [Theory]
    [MemberData(nameof(Generators))]
    public void Every_generator_must_give_the_same_set_for_the_same_seed_and_another_for_another_seed(string generator)
    {
        string hash = Make(generator, 42).ComputeContentHash();

        Assert.Equal(hash, Make(generator, 42).ComputeContentHash());
        Assert.NotEqual(hash, Make(generator, 43).ComputeContentHash());
    }

    [Fact]
    public void TwoSpirals_must_alternate_two_balanced_classes_on_mirrored_spirals()
    {
        Dataset data = SyntheticData.TwoSpirals(50, noise: 0, seed: 1);

        Assert.Equal(("two-spirals", 100, 2, 2), (data.Name, data.Count, data.FeatureCount, data.ClassCount));
        Assert.Equal([50, 50], data.CountPerClass());
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal((0, 1), (data.Labels[2 * i], data.Labels[2 * i + 1]));
            ReadOnlySpan<float> a = data.FeatureRow(2 * i), b = data.FeatureRow(2 * i + 1);
            float radius = (i + 1f) / 50;
            Assert.Equal(radius, MathF.Sqrt(a[0] * a[0] + a[1] * a[1]), 1e-5f);
            Assert.Equal(-a[0], b[0], 1e-6f); // class 1 is class 0 turned by π
            Assert.Equal(-a[1], b[1], 1e-6f);
        }
    }

    [Fact]
    public void Xor_without_noise_must_label_by_differing_signs_inside_the_unit_square()
    {
        Dataset data = SyntheticData.Xor(1000, noise: 0, seed: 9);

        Assert.Equal(("xor", 1000, 2, 2), (data.Name, data.Count, data.FeatureCount, data.ClassCount));
        for (int i = 0; i < data.Count; i++)
        {
            float x = data.FeatureRow(i)[0], y = data.FeatureRow(i)[1];
            Assert.InRange(x, -1f, 1f);
            Assert.InRange(y, -1f, 1f);
            Assert.Equal((x >= 0) != (y >= 0) ? 1 : 0, data.Labels[i]);
        }
        Assert.All(data.CountPerClass(), n => Assert.InRange(n, 400, 600));
    }

    [Fact]
    public void Xor_with_noise_must_stay_inside_the_unit_square_and_move_some_points_across_an_axis()
    {
        Dataset data = SyntheticData.Xor(2000, noise: 0.3, seed: 9);

        Assert.All(data.Features, v => Assert.InRange(v, -1f, 1f));
        int crossed = Enumerable.Range(0, data.Count)
            .Count(i => ((data.FeatureRow(i)[0] >= 0) != (data.FeatureRow(i)[1] >= 0) ? 1 : 0) != data.Labels[i]);
        Assert.InRange(crossed, 1, data.Count / 2);
    }

    [Fact]
    public void GaussianBlobs_must_balance_the_classes_and_cluster_each_around_its_own_centre()
    {
        const int classes = 3, features = 4;
        Dataset data = SyntheticData.GaussianBlobs(3000, classes, features, spread: 0.05, seed: 2);

        Assert.Equal(("gaussian-blobs", 3000, features, classes), (data.Name, data.Count, data.FeatureCount, data.ClassCount));
        Assert.Equal([1000, 1000, 1000], data.CountPerClass());
        var means = new double[classes, features];
        for (int i = 0; i < data.Count; i++)
            for (int f = 0; f < features; f++)
                means[data.Labels[i], f] += data.FeatureRow(i)[f] / 1000.0;
        for (int i = 0; i < data.Count; i++)
        {
            double distance = 0;
            for (int f = 0; f < features; f++) distance += Math.Pow(data.FeatureRow(i)[f] - means[data.Labels[i], f], 2);
            Assert.True(Math.Sqrt(distance) < 0.05 * 6, $"example {i} lies {Math.Sqrt(distance):F3} from its class mean");
        }
        for (int f = 0; f < features; f++)
            Assert.InRange(means[0, f], -1.01, 1.01);
    }

    [Fact]
    public void Random_must_have_the_requested_shape_unit_interval_features_and_roughly_uniform_labels()
    {
        Dataset data = SyntheticData.Random(6_000, 784, 10, seed: 7);

        Assert.Equal(("random", 6_000, 784, 10), (data.Name, data.Count, data.FeatureCount, data.ClassCount));
        Assert.InRange(data.Features.Min(), 0f, 0.001f);
        Assert.InRange(data.Features.Max(), 0.999f, 0.99999994f);
        Assert.InRange(data.Features.Average(), 0.499, 0.501);
        Assert.All(data.CountPerClass(), n => Assert.InRange(n, 500, 700));
    }

    [Fact]
    public void Invalid_arguments_must_be_rejected_with_their_values()
    {
        Assert.Contains("countPerClass 0 must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticData.TwoSpirals(0, 0, 1)).Message);
        Assert.Contains("noise -1 must be a finite number ≥ 0", Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticData.Xor(10, -1, 1)).Message);
        Assert.Contains("noise NaN", Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticData.Xor(10, double.NaN, 1)).Message);
        Assert.Contains("class count 1 must be at least 2", Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticData.GaussianBlobs(10, 1, 2, 0.1, 1)).Message);
        Assert.Contains("spread -0.1", Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticData.GaussianBlobs(10, 2, 2, -0.1, 1)).Message);
        Assert.Contains("features 0 must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticData.Random(10, 0, 2, 1)).Message);
        Assert.Contains("exceed the largest array", Assert.Throws<ArgumentException>(() => SyntheticData.Random(1_000_000, 10_000, 2, 1)).Message);
    }
}
