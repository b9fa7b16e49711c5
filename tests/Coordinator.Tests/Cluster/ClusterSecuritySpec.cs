// What a running coordinator process does with peers that do not belong: a worker with the wrong secret
// is refused (and neither side prints a secret), and a connection that sends garbage, an oversized frame
// or a truncated one is closed with its reason logged, while the run with a real worker goes on.
using System.Diagnostics;
using Dpt.Actors;
using Dpt.Coordinator.Tests.Cli;
using Dpt.TestKit;
using Xunit.Abstractions;

namespace Dpt.Coordinator.Tests.Cluster;

[Collection(DptProcesses.Name)]
public sealed class ClusterSecuritySpec(ITestOutputHelper output)
{
    private const string WrongSecret = "not the secret of this cluster, 4054";

    [Fact]
    public async Task A_worker_with_the_wrong_secret_must_be_refused_at_once_with_a_message_and_no_secret_printed()
    {
        using var cluster = await ClusterProcesses.StartAsync(output, [.. ClusterTrainingSpec.Blobs, "--epochs", "1"]);
        var started = Stopwatch.StartNew();
        var intruder = cluster.StartWorker(["--connect-timeout", "30"], new Dictionary<string, string?> { ["DPT_CLUSTER_SECRET"] = WrongSecret });

        var result = await intruder.WaitForExitAsync(ClusterProcesses.Timeout);
        output.WriteLine($"the worker with the wrong secret exited {result.ExitCode} after {started.Elapsed.TotalSeconds:F1} s");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("dpt-worker: the coordinator refused this worker: the connection was refused: wrong cluster secret", result.ErrorLines);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(25), $"the worker kept trying for {started.Elapsed.TotalSeconds:F0} s of its 30 s --connect-timeout");
        await cluster.Coordinator.WaitForLineAsync(l => l.Contains("Refused the connection of ", StringComparison.Ordinal) && l.EndsWith(": wrong cluster secret", StringComparison.Ordinal),
            ClusterProcesses.Timeout, standardError: true);

        var coordinator = cluster.Coordinator.Kill();
        foreach (string secret in new[] { ClusterProcesses.Secret, WrongSecret })
        foreach (string text in new[] { result.StandardOutput, result.StandardError, coordinator.StandardOutput, coordinator.StandardError })
            Assert.DoesNotContain(secret, text);
    }

    [Fact]
    public async Task Garbage_oversized_and_truncated_frames_must_close_only_their_connection_with_a_logged_reason_while_training_completes()
    {
        const int epochs = 120;
        using var cluster = await ClusterProcesses.StartAsync(output, [.. ClusterTrainingSpec.Blobs, "--epochs", $"{epochs}"]);
        var worker = cluster.StartWorker();
        await cluster.Coordinator.WaitForLineAsync(l => l.StartsWith("{\"epoch\":1,", StringComparison.Ordinal), ClusterProcesses.Timeout);

        // Garbage instead of a handshake: a frame of an unknown kind.
        await using (var peer = await RawPeer.ConnectAsync("127.0.0.1", cluster.Port))
        {
            await peer.SendAsync([.. RawPeer.Prefix(5, 42), 1, 2, 3, 4]);
            await ClosedWithReasonAsync(cluster, peer, peer.LocalEndpoint, "malformed frame: unknown kind 42");
        }
        // After a real handshake: garbage, a frame longer than MaxFrameBytes (64 MiB), and a frame cut short.
        var badFrames = new (string Name, byte[] Bytes, bool Close, string Reason)[]
        {
            ("garbage", [.. RawPeer.Prefix(3, 99), 0xDE, 0xAD], false, "malformed frame: unknown kind 99"),
            ("oversized", RawPeer.Prefix((64 << 20) + 1, 5), false, "oversized frame: 67108865 bytes announced"),
            ("truncated", [.. RawPeer.Prefix(101, 5), .. new byte[10]], true, "truncated frame"),
        };
        for (int i = 0; i < badFrames.Length; i++)
        {
            var bad = badFrames[i];
            var address = Address.Remote("raw", "127.0.0.1", 1 + i);
            await using var peer = await RawPeer.ConnectAsync("127.0.0.1", cluster.Port);
            await peer.HandshakeAsync(System.Text.Encoding.UTF8.GetBytes(ClusterProcesses.Secret), address);
            await peer.SendAsync(bad.Bytes);
            if (bad.Close) peer.ShutdownSend();
            await ClosedWithReasonAsync(cluster, peer, address.ToString(), bad.Reason);
        }
        Assert.False(worker.HasExited, "the worker stopped during the bad connections");
        Assert.True(cluster.EpochLines().Length < epochs, "the run ended before the last bad connection: make it longer");

        await cluster.CompletesAsync();
        var lines = cluster.EpochLines();
        Assert.Equal(epochs, lines.Length);
        Assert.All(lines, e => Assert.Equal(1, e.GetProperty("workers").GetInt32()));
        Assert.Equal(0, (await worker.WaitForExitAsync(ClusterProcesses.Timeout)).ExitCode);
    }

    /// <summary>The coordinator closed <paramref name="peer"/>'s connection and logged a warning naming the peer and the reason.</summary>
    private async Task ClosedWithReasonAsync(ClusterProcesses cluster, RawPeer peer, string peerName, string reason)
    {
        Assert.True(await peer.WasClosedByNodeAsync(TimeSpan.FromSeconds(10)), $"the coordinator did not close the connection that sent {reason}");
        var line = await cluster.Coordinator.WaitForStampedLineAsync(
            l => l.Contains(" warn: ", StringComparison.Ordinal) && l.Contains("Closing the connection with ", StringComparison.Ordinal)
                 && l.Contains(peerName, StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal),
            ClusterProcesses.Timeout, standardError: true);
        output.WriteLine(line.Text);
    }
}
