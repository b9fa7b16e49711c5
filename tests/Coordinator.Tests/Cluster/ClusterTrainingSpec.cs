// Cluster mode as a user runs it: `dpt train --listen` and dpt-worker processes on this machine train to
// the accuracy and, with --balance equal, to the very parameters of local mode with as many workers; data
// files travel from the coordinator to the workers and are cached by content hash.
using Dpt.Coordinator.Tests.Cli;
using Xunit.Abstractions;

namespace Dpt.Coordinator.Tests.Cluster;

[Collection(DptProcesses.Name)]
public sealed class ClusterTrainingSpec(ITestOutputHelper output)
{
    private const int Epochs = 3;
    private const int StepsPerEpoch = 32; // ceil(2000 / 64)

    /// <summary>Blobs that a [2-16-4] network separates to about 92 % test accuracy within a few epochs.</summary>
    internal static readonly string[] Blobs =
        ["--dataset", "blobs", "--samples", "2000", "--layers", "16", "--batch-size", "64", "--seed", "7", "--balance", "equal"];

    [Fact]
    public async Task Two_worker_processes_must_train_to_accuracy_and_to_the_parameters_of_local_mode_with_two_workers()
    {
        string[] options = [.. Blobs, "--epochs", $"{Epochs}"];
        using var cluster = await ClusterProcesses.StartAsync(output, [.. options, "--min-workers", "2"]);
        var workers = new[] { cluster.StartWorker(), cluster.StartWorker() };

        await cluster.CompletesAsync();
        var epochs = cluster.EpochLines();
        Assert.Equal(Enumerable.Range(1, Epochs), epochs.Select(e => e.GetProperty("epoch").GetInt32()));
        Assert.Equal(Epochs * StepsPerEpoch, epochs[^1].GetProperty("steps").GetInt64());
        Assert.All(epochs, e => Assert.Equal(2, e.GetProperty("workers").GetInt32()));
        double accuracy = epochs[^1].GetProperty("test_accuracy").GetDouble();
        output.WriteLine($"test accuracy after {Epochs} epochs: {accuracy:F4}");
        Assert.True(accuracy >= 0.85, $"test accuracy {accuracy}");
        foreach (var worker in workers)
        {
            var result = await worker.WaitForExitAsync(ClusterProcesses.Timeout);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains($"dpt-worker: done: training finished: {Epochs} epochs done", result.ErrorLines);
        }

        using var local = new TempDirectory();
        var expected = await ClusterProcesses.LocalParametersAsync(local, 2, options);
        double difference = ClusterProcesses.RelativeDifference(expected, cluster.FinalParameters());
        output.WriteLine($"cluster vs local mode: max |a - b| / max |a| = {difference:E2} over {expected.Length} parameters");
        Assert.True(difference <= 1e-4, $"max |a - b| / max |a| = {difference}");
    }

    [FashionMnistFact]
    public async Task Worker_processes_must_receive_fashion_mnist_from_the_coordinator_once_per_cache_and_reach_80_percent_in_one_epoch()
    {
        using var cluster = await ClusterProcesses.StartAsync(output,
            "--dataset", "fashion-mnist", "--layers", "128", "--batch-size", "128", "--epochs", "1", "--seed", "7", "--balance", "equal", "--min-workers", "2");
        string cache = cluster.Directory.File("cache");

        var first = cluster.StartWorker("--cache-dir", cache);
        var received = await first.WaitForStampedLineAsync(l => l.StartsWith("dpt-worker: data: received 4 of 4 files", StringComparison.Ordinal),
            ClusterProcesses.Timeout, standardError: true);
        output.WriteLine(received.Text);
        var second = cluster.StartWorker("--cache-dir", cache);
        var cached = await second.WaitForStampedLineAsync(l => l.StartsWith("dpt-worker: data: received ", StringComparison.Ordinal)
                                                             || l.StartsWith("dpt-worker: data: all ", StringComparison.Ordinal), ClusterProcesses.Timeout, standardError: true);
        output.WriteLine(cached.Text);
        Assert.StartsWith("dpt-worker: data: all 4 files found intact in ", cached.Text);

        await cluster.CompletesAsync();
        var epoch = Assert.Single(cluster.EpochLines());
        Assert.Equal(2, epoch.GetProperty("workers").GetInt32());
        double accuracy = epoch.GetProperty("test_accuracy").GetDouble();
        output.WriteLine($"Fashion-MNIST test accuracy after 1 epoch: {accuracy:F4} ({epoch.GetProperty("elapsed_s").GetDouble():F1} s)");
        Assert.True(accuracy >= 0.80, $"test accuracy {accuracy}");
        foreach (var worker in new[] { first, second })
            Assert.Equal(0, (await worker.WaitForExitAsync(ClusterProcesses.Timeout)).ExitCode);
    }
}

/// <summary>A fact that needs the Fashion-MNIST files at their default place; skipped, saying so, without them.</summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    public FashionMnistFactAttribute()
    {
        if (!File.Exists(Path.Combine(Dpt.Data.MnistFormat.FashionMnistDirectory, "train-images-idx3-ubyte.gz")))
            Skip = $"needs Fashion-MNIST in {Dpt.Data.MnistFormat.FashionMnistDirectory}";
    }
}
