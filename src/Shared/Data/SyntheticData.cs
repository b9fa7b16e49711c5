// Small generated classification sets for tests, demos and benchmarks. Each is a pure function of
// its arguments and seed, drawn from Dpt.Numerics.Rng, so every process that asks gets the same set.
using Dpt.Numerics;

namespace Dpt.Data;

/// <summary>Deterministic synthetic data sets; the same arguments and seed always give the same examples.</summary>
public static class SyntheticData
{
    /// <summary>
    /// Two interleaved spirals (2 features, 2 classes), a classic that a linear model cannot separate:
    /// point i of class 0 lies at radius r = (i + 1) / n and angle 3πr, class 1 is the same point turned
    /// by π, and both coordinates get Gaussian noise of standard deviation <paramref name="noise"/>.
    /// Examples alternate between the classes.
    /// </summary>
    public static Dataset TwoSpirals(int countPerClass, double noise, ulong seed)
    {
        CheckPositive(countPerClass, nameof(countPerClass));
        CheckNoise(noise);
        CheckSize(countPerClass * 2L, 2);
        var rng = new Rng(seed);
        var features = new float[countPerClass * 2 * 2];
        var labels = new int[countPerClass * 2];
        for (int i = 0; i < countPerClass; i++)
        {
            double r = (i + 1.0) / countPerClass;
            double angle = 3 * Math.PI * r;
            for (int label = 0; label < 2; label++)
            {
                double turn = label * Math.PI;
                int e = 2 * i + label;
                features[2 * e] = (float)(r * Math.Cos(angle + turn) + noise * rng.NextGaussian());
                features[2 * e + 1] = (float)(r * Math.Sin(angle + turn) + noise * rng.NextGaussian());
                labels[e] = label;
            }
        }
        return Dataset.ForClassification("two-spirals", features, 2, labels, 2);
    }

    /// <summary>
    /// XOR (2 features in [-1, 1], 2 classes): a point (x, y) drawn uniformly from [-1, 1]² has label 1
    /// when x and y differ in sign (0 counts as positive), else 0; then each coordinate gets Gaussian
    /// noise of standard deviation <paramref name="noise"/>, clamped back into [-1, 1], so with noise
    /// some points stray across the axes from their label.
    /// </summary>
    public static Dataset Xor(int count, double noise, ulong seed)
    {
        CheckPositive(count, nameof(count));
        CheckNoise(noise);
        CheckSize(count, 2);
        var rng = new Rng(seed);
        var features = new float[count * 2];
        var labels = new int[count];
        for (int e = 0; e < count; e++)
        {
            double x = 2 * rng.NextDouble() - 1;
            double y = 2 * rng.NextDouble() - 1;
            labels[e] = (x >= 0) != (y >= 0) ? 1 : 0;
            features[2 * e] = Jitter(x, noise, rng);
            features[2 * e + 1] = Jitter(y, noise, rng);
        }
        return Dataset.ForClassification("xor", features, 2, labels, 2);
    }

    /// <summary>
    /// Gaussian blobs: one centre per class drawn uniformly from [-1, 1]^features, and
    /// <paramref name="count"/> examples, example e of class e mod classes (so classes are balanced),
    /// at its centre plus Gaussian noise of standard deviation <paramref name="spread"/> per feature.
    /// </summary>
    public static Dataset GaussianBlobs(int count, int classes, int features, double spread, ulong seed)
    {
        CheckPositive(count, nameof(count));
        CheckPositive(features, nameof(features));
        if (classes < 2)
            throw new ArgumentOutOfRangeException(nameof(classes), classes, $"class count {classes} must be at least 2");
        if (!(spread >= 0 && double.IsFinite(spread)))
            throw new ArgumentOutOfRangeException(nameof(spread), spread, $"spread {spread} must be a finite number ≥ 0");
        CheckSize(count, features);
        var rng = new Rng(seed);
        var centres = new double[classes * features];
        for (int i = 0; i < centres.Length; i++)
            centres[i] = 2 * rng.NextDouble() - 1;
        var values = new float[count * features];
        var labels = new int[count];
        for (int e = 0; e < count; e++)
        {
            int label = e % classes;
            labels[e] = label;
            for (int f = 0; f < features; f++)
                values[e * features + f] = (float)(centres[label * features + f] + spread * rng.NextGaussian());
        }
        return Dataset.ForClassification("gaussian-blobs", values, features, labels, classes);
    }

    /// <summary>
    /// Structureless data of a given shape: features uniform in [0, 1), labels uniform over
    /// <paramref name="classes"/>. For benchmarks that need a real data set's shapes, not its contents.
    /// </summary>
    public static Dataset Random(int count, int features, int classes, ulong seed)
    {
        CheckPositive(count, nameof(count));
        CheckPositive(features, nameof(features));
        CheckPositive(classes, nameof(classes));
        CheckSize(count, features);
        var rng = new Rng(seed);
        var values = FeatureBuffer.Allocate((long)count * features); // every element is written next
        for (int i = 0; i < values.Length; i++)
            values[i] = rng.NextSingle();
        var labels = new int[count];
        for (int e = 0; e < count; e++)
            labels[e] = rng.NextInt(classes);
        return Dataset.ForClassification("random", values, features, labels, classes);
    }

    private static float Jitter(double value, double noise, Rng rng) =>
        noise == 0 ? (float)value : (float)Math.Clamp(value + noise * rng.NextGaussian(), -1, 1);

    private static void CheckPositive(int value, string name)
    {
        if (value <= 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} {value} must be positive");
    }

    private static void CheckNoise(double noise)
    {
        if (!(noise >= 0 && double.IsFinite(noise)))
            throw new ArgumentOutOfRangeException(nameof(noise), noise, $"noise {noise} must be a finite number ≥ 0");
    }

    private static void CheckSize(long count, int features)
    {
        if ((long)count * features > Array.MaxLength)
            throw new ArgumentException($"{count} examples × {features} features exceed the largest array .NET can hold");
    }
}
