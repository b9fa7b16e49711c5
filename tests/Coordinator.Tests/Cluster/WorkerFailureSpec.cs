// A worker process that dies (SIGKILL), hangs (SIGSTOP) or is stopped (SIGTERM) in the middle of a run:
// the coordinator notices within the failure detector's time, hands the worker's work to the other, and
// trains every step; a hung worker that comes back joins again as a new member.
using System.Text.RegularExpressions;
using Dpt.Coordinator.Tests.Cli;
using Xunit.Abstractions;
using static Dpt.Coordinator.Tests.Cli.DptProcess;

namespace Dpt.Coordinator.Tests.Cluster;

[Collection(DptProcesses.Name)]
public sealed partial class WorkerFailureSpec(ITestOutputHelper output)
{
    private const int StepsPerEpoch = 32; // ceil(2000 / 64)

    /// <summary>How much later than <see cref="ClusterProcesses.FastDetectionTime"/> a loaded two-core machine may be.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan Timeout = ClusterProcesses.Timeout;

    /// <summary>
    /// Long enough that a signal sent after epoch 2 lands mid-run: blobs train at about 20 epochs a second on
    /// a quiet machine, and with 10 epochs a worker once finished and exited before its SIGTERM was sent.
    /// </summary>
    private const int LongRunEpochs = 40;

    [Fact]
    public async Task A_killed_worker_must_be_downed_within_the_detection_time_and_the_run_must_train_every_step_with_the_other()
    {
        const int epochs = LongRunEpochs;
        string[] options = [.. ClusterTrainingSpec.Blobs, "--epochs", $"{epochs}"];
        using var cluster = await ClusterProcesses.StartAsync(output, [.. options, "--min-workers", "2", .. ClusterProcesses.FastFailureDetection]);
        var victim = cluster.StartWorker(ClusterProcesses.FastFailureDetection);
        var survivor = cluster.StartWorker(ClusterProcesses.FastFailureDetection);
        string address = await AddressOfAsync(victim);

        await EpochAsync(cluster, 2);
        long killed = victim.Send(Signal.Kill);
        var downed = await CoordinatorLineAsync(cluster, l => l.Contains($"Downing {address}#", StringComparison.Ordinal), killed);
        var lost = await CoordinatorLineAsync(cluster, l => l.Contains("was lost; its outstanding work goes to the other 1 workers", StringComparison.Ordinal), killed);
        var nextEpoch = await cluster.Coordinator.WaitForStampedLineAsync(_ => true, Timeout, after: lost.Timestamp);

        double toDowned = ClusterProcesses.Milliseconds(killed, downed.Timestamp);
        double toNextEpoch = ClusterProcesses.Milliseconds(killed, nextEpoch.Timestamp);
        output.WriteLine($"SIGKILL -> downed: {toDowned:F0} ms; -> coordinator re-assigned its work: {ClusterProcesses.Milliseconds(killed, lost.Timestamp):F0} ms; "
                         + $"-> next epoch line after that (an upper bound of the next step; epochs are {StepsPerEpoch} steps): {toNextEpoch:F0} ms");
        Assert.True(toDowned <= (ClusterProcesses.FastDetectionTime + Margin).TotalMilliseconds,
            $"downed {toDowned:F0} ms after SIGKILL; the detector should take about {ClusterProcesses.FastDetectionTime.TotalMilliseconds} ms");

        await cluster.CompletesAsync();
        AssertEveryStep(cluster, epochs);
        Assert.Equal(1, cluster.EpochLines()[^1].GetProperty("workers").GetInt32());
        Assert.Equal(0, (await survivor.WaitForExitAsync(Timeout)).ExitCode);

        // The steps the survivor did alone sum the gradient over the whole batch in one worker instead of two
        // halves (the step in flight is recomputed from the same parameters): rounding differences only, about
        // 1e-7 of the largest parameter, which momentum carries through the remaining steps; 1e-4
        // leaves room for that growth. Equal shards keep each step's batch the same; a proportional split that
        // lost a worker's measured share would not, and this tolerance would not hold for it.
        using var local = new TempDirectory();
        var undisturbed = await ClusterProcesses.LocalParametersAsync(local, 2, options);
        double difference = ClusterProcesses.RelativeDifference(undisturbed, cluster.FinalParameters());
        output.WriteLine($"killed run vs undisturbed run: max |a - b| / max |a| = {difference:E2}");
        Assert.True(difference <= 1e-4, $"max |a - b| / max |a| = {difference}");
    }

    [Fact]
    public async Task A_stopped_worker_must_be_downed_and_after_SIGCONT_join_again_as_a_new_member_while_training_goes_on()
    {
        const int epochs = 60;
        using var cluster = await ClusterProcesses.StartAsync(output,
            [.. ClusterTrainingSpec.Blobs, "--epochs", $"{epochs}", "--min-workers", "2", .. ClusterProcesses.FastFailureDetection]);
        var sleeper = cluster.StartWorker(ClusterProcesses.FastFailureDetection);
        var other = cluster.StartWorker(ClusterProcesses.FastFailureDetection);
        string address = await AddressOfAsync(sleeper);

        await EpochAsync(cluster, 2);
        long stopped = sleeper.Send(Signal.Stop);
        var unreachable = await CoordinatorLineAsync(cluster, l => l.Contains($"{address}#", StringComparison.Ordinal) && l.Contains("is unreachable", StringComparison.Ordinal), stopped);
        var downed = await CoordinatorLineAsync(cluster, l => l.Contains($"Downing {address}#", StringComparison.Ordinal), stopped);
        // Training goes on without it: an epoch ends with one worker.
        var alone = await cluster.Coordinator.WaitForStampedLineAsync(l => l.Contains("\"workers\":1", StringComparison.Ordinal), Timeout, after: downed.Timestamp);

        long continued = sleeper.Send(Signal.Continue);
        await sleeper.WaitForStampedLineAsync(l => l.StartsWith("dpt-worker: removed from the cluster (", StringComparison.Ordinal)
                                                   && l.EndsWith("; joining again as a new member", StringComparison.Ordinal), Timeout, standardError: true, after: continued);
        var rejoined = await sleeper.WaitForStampedLineAsync(l => JoinedAs().IsMatch(l), Timeout, standardError: true, after: continued);
        string newAddress = JoinedAs().Match(rejoined.Text).Groups[1].Value;
        Assert.NotEqual(address, newAddress);
        var up = await CoordinatorLineAsync(cluster, l => l.Contains($"{newAddress}#", StringComparison.Ordinal) && l.Contains("joined with roles [worker] and is Up", StringComparison.Ordinal), continued);
        var together = await cluster.Coordinator.WaitForStampedLineAsync(l => l.Contains("\"workers\":2", StringComparison.Ordinal), Timeout, after: up.Timestamp);

        output.WriteLine($"SIGSTOP -> unreachable: {ClusterProcesses.Milliseconds(stopped, unreachable.Timestamp):F0} ms; -> downed: {ClusterProcesses.Milliseconds(stopped, downed.Timestamp):F0} ms; "
                         + $"-> an epoch with one worker: {ClusterProcesses.Milliseconds(stopped, alone.Timestamp):F0} ms");
        output.WriteLine($"SIGCONT -> the worker joined again: {ClusterProcesses.Milliseconds(continued, rejoined.Timestamp):F0} ms; -> the coordinator has it Up: "
                         + $"{ClusterProcesses.Milliseconds(continued, up.Timestamp):F0} ms; -> an epoch with two workers again: {ClusterProcesses.Milliseconds(continued, together.Timestamp):F0} ms");
        double toDowned = ClusterProcesses.Milliseconds(stopped, downed.Timestamp);
        Assert.True(toDowned <= (ClusterProcesses.FastDetectionTime + Margin).TotalMilliseconds, $"downed {toDowned:F0} ms after SIGSTOP");
        Assert.Equal(2, cluster.CoordinatorLog().Count(l => l.Contains("joined with roles [worker] and is Up", StringComparison.Ordinal)
                                                            && (l.Contains($"{address}#", StringComparison.Ordinal) || l.Contains($"{newAddress}#", StringComparison.Ordinal))));

        await cluster.CompletesAsync();
        AssertEveryStep(cluster, epochs);
        foreach (var worker in new[] { sleeper, other })
        {
            var result = await worker.WaitForExitAsync(Timeout);
            Assert.True(result.ExitCode == 0, result.ToString());
        }
    }

    [Fact]
    public async Task A_worker_killed_and_restarted_at_the_same_address_must_replace_its_old_incarnation_and_the_run_must_train_every_step()
    {
        const int epochs = LongRunEpochs;
        // A coordinator too patient to down the dead worker in this run: the restarted one joins long before, and its
        // Join must retire the old incarnation (and hand on its work) by itself, as when systemd restarts a worker
        // at its fixed --listen address within the detection time.
        string[] patient = ["--heartbeat-interval", "200", "--acceptable-pause", "60000", "--down-after", "60000"];
        string[] options = [.. ClusterTrainingSpec.Blobs, "--epochs", $"{epochs}"];
        using var cluster = await ClusterProcesses.StartAsync(output, [.. options, "--min-workers", "2", .. patient]);
        int port = ClusterProcesses.FreePort();
        var first = cluster.StartWorkerAt(port);
        var other = cluster.StartWorker();
        string address = await AddressOfAsync(first);

        await EpochAsync(cluster, 2);
        long killed = first.Send(Signal.Kill);
        await first.WaitForExitAsync(Timeout);
        var restarted = cluster.StartWorkerAt(port);
        Assert.Equal(address, await AddressOfAsync(restarted)); // the same host and port; a new uid after the '#'
        var replaced = await CoordinatorLineAsync(cluster, l => l.Contains($"Downing {address}#", StringComparison.Ordinal)
                                                                && l.Contains("replaced by a new incarnation", StringComparison.Ordinal), killed);
        // The coordinator hands on the dead incarnation's work when its death watch fires ("was lost") or, if the new
        // incarnation's registration comes first, when that replaces it ("registered again"): either order is right.
        var lost = await CoordinatorLineAsync(cluster, l => l.Contains("was lost; its outstanding work goes to the other", StringComparison.Ordinal)
                                                            || l.Contains("registered again from", StringComparison.Ordinal), killed);
        var together = await cluster.Coordinator.WaitForStampedLineAsync(l => l.Contains("\"workers\":2", StringComparison.Ordinal), Timeout, after: replaced.Timestamp);
        output.WriteLine($"SIGKILL -> the restarted worker replaced the old incarnation: {ClusterProcesses.Milliseconds(killed, replaced.Timestamp):F0} ms; "
                         + $"-> its work re-assigned: {ClusterProcesses.Milliseconds(killed, lost.Timestamp):F0} ms; "
                         + $"-> an epoch with two workers again: {ClusterProcesses.Milliseconds(killed, together.Timestamp):F0} ms");

        await cluster.CompletesAsync();
        AssertEveryStep(cluster, epochs);
        Assert.Equal(2, cluster.EpochLines()[^1].GetProperty("workers").GetInt32());
        // Two incarnations of one address joined, one after the other; the failure detector never decided.
        Assert.Equal(2, cluster.CoordinatorLog().Count(l => l.Contains($"{address}#", StringComparison.Ordinal)
                                                            && l.Contains("joined with roles [worker] and is Up", StringComparison.Ordinal)));
        Assert.DoesNotContain(cluster.CoordinatorLog(), l => l.Contains($"{address}#", StringComparison.Ordinal) && l.Contains("is unreachable", StringComparison.Ordinal));
        foreach (var worker in new[] { restarted, other })
        {
            var result = await worker.WaitForExitAsync(Timeout);
            Assert.True(result.ExitCode == 0, result.ToString());
        }
        // Equal shards: the step in flight was recomputed from the same parameters, the others were split alike.
        using var local = new TempDirectory();
        double difference = ClusterProcesses.RelativeDifference(await ClusterProcesses.LocalParametersAsync(local, 2, options), cluster.FinalParameters());
        output.WriteLine($"restarted run vs undisturbed run: max |a - b| / max |a| = {difference:E2}");
        Assert.True(difference <= 1e-4, $"max |a - b| / max |a| = {difference}");
    }

    [Fact]
    public async Task A_worker_sent_SIGTERM_must_leave_and_exit_0_and_the_run_must_train_every_step_with_the_other()
    {
        const int epochs = LongRunEpochs;
        using var cluster = await ClusterProcesses.StartAsync(output,
            [.. ClusterTrainingSpec.Blobs, "--epochs", $"{epochs}", "--min-workers", "2", .. ClusterProcesses.FastFailureDetection]);
        var leaver = cluster.StartWorker(ClusterProcesses.FastFailureDetection);
        var stayer = cluster.StartWorker(ClusterProcesses.FastFailureDetection);
        string address = await AddressOfAsync(leaver);

        await EpochAsync(cluster, 2);
        long terminated = leaver.Send(Signal.Terminate);
        var left = await CoordinatorLineAsync(cluster, l => l.Contains($"{address}#", StringComparison.Ordinal) && l.EndsWith(" left the cluster", StringComparison.Ordinal), terminated);
        var result = await leaver.WaitForExitAsync(Timeout);
        output.WriteLine($"SIGTERM -> the coordinator logs that it left: {ClusterProcesses.Milliseconds(terminated, left.Timestamp):F0} ms");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(result.ErrorLines, l => l.StartsWith("dpt-worker: left the cluster (", StringComparison.Ordinal));
        await cluster.CompletesAsync();
        AssertEveryStep(cluster, epochs);
        Assert.Equal(1, cluster.EpochLines()[^1].GetProperty("workers").GetInt32());
        // It left: the failure detector never had to decide.
        Assert.DoesNotContain(cluster.CoordinatorLog(), l => l.Contains($"{address}#", StringComparison.Ordinal) && (l.Contains("unreachable") || l.Contains("Downing")));
        Assert.Equal(0, (await stayer.WaitForExitAsync(Timeout)).ExitCode);
    }

    /// <summary>The address the worker joined as, from its line "joined the cluster as ADDRESS with ...".</summary>
    private static async Task<string> AddressOfAsync(DptProcess worker)
    {
        var line = await worker.WaitForStampedLineAsync(l => JoinedAs().IsMatch(l), Timeout, standardError: true);
        return JoinedAs().Match(line.Text).Groups[1].Value;
    }

    private static Task EpochAsync(ClusterProcesses cluster, int epoch) =>
        cluster.Coordinator.WaitForLineAsync(l => l.StartsWith($"{{\"epoch\":{epoch},", StringComparison.Ordinal), Timeout);

    private static Task<StampedLine> CoordinatorLineAsync(ClusterProcesses cluster, Func<string, bool> predicate, long after) =>
        cluster.Coordinator.WaitForStampedLineAsync(predicate, Timeout, standardError: true, after: after);

    /// <summary>Every epoch printed and written to metrics.csv, numbered 1 to <paramref name="epochs"/>, and every step trained.</summary>
    private static void AssertEveryStep(ClusterProcesses cluster, int epochs)
    {
        var lines = cluster.EpochLines();
        Assert.Equal(Enumerable.Range(1, epochs), lines.Select(e => e.GetProperty("epoch").GetInt32()));
        Assert.Equal(Enumerable.Range(1, epochs).Select(e => (long)e * StepsPerEpoch), lines.Select(e => e.GetProperty("steps").GetInt64()));
        var metrics = File.ReadAllLines(Path.Combine(cluster.RunFolder, "metrics.csv"));
        Assert.Equal(epochs + 1, metrics.Length);
        Assert.StartsWith($"{epochs},{epochs * StepsPerEpoch},", metrics[^1]);
    }

    [GeneratedRegex(@"^dpt-worker: joined the cluster as (dpt://\S+) with ")]
    private static partial Regex JoinedAs();
}
