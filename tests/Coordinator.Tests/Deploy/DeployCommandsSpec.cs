// The command lines in deploy/ must keep working as the programs change: every one parses with the real
// dpt or dpt-worker parser, and the compose file's and the Kubernetes manifests' commands, run as they are
// on this machine (only their in-container paths and host names mapped to a temporary folder and
// 127.0.0.1), start a coordinator and two workers that train Fashion-MNIST.
using System.CommandLine;
using Dpt.Coordinator.Cli;
using Dpt.Coordinator.Tests.Cli;
using Dpt.Coordinator.Tests.Cluster;
using Xunit.Abstractions;

namespace Dpt.Coordinator.Tests.Deploy;

[Collection(DptProcesses.Name)]
public sealed class DeployCommandsSpec(ITestOutputHelper output)
{
    public static TheoryData<string> Commands() => new(Every().Select(c => c.File + " " + c.Program));

    private static DeployedCommand[] Every() =>
    [
        DeployFiles.Compose("coordinator"),
        DeployFiles.Compose("worker"),
        DeployFiles.Kubernetes("coordinator.yaml"),
        DeployFiles.Kubernetes("workers.yaml"),
        DeployFiles.Systemd("dpt-coordinator.service", "coordinator.env", instance: "", credentials: "/run/credentials/dpt-coordinator.service"),
        DeployFiles.Systemd("dpt-worker@.service", "worker.env", instance: "4054", credentials: "/run/credentials/dpt-worker@4054.service"),
    ];

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_command_line_in_deploy_must_parse_with_the_programs_parser(string which)
    {
        var command = Every().Single(c => c.File + " " + c.Program == which);
        output.WriteLine(command.ToString());
        var parser = Parser(command.Program);
        var errors = parser.Parse([.. command.Arguments]).Errors;
        Assert.True(errors.Count == 0, $"{command}\n{string.Join("\n", errors.Select(e => e.Message))}");
        // The same parser refuses what it does not know, so the check above can fail.
        Assert.NotEmpty(parser.Parse([.. command.Arguments, "--no-such-option"]).Errors);
    }

    [Fact]
    public void The_units_must_take_their_options_from_the_environment_files()
    {
        var coordinator = DeployFiles.Systemd("dpt-coordinator.service", "coordinator.env", "", "/creds");
        Assert.Equal("dpt", coordinator.Program);
        Assert.Equal(["train", "--listen", "0.0.0.0:4053", "--public-host", "coordinator.example.org", "--min-workers", "2", "--workers", "0",
            "--secret-file", "/creds/secret", "--output", "/var/lib/dpt/runs", "--dataset", "fashion-mnist", "--epochs", "10"], coordinator.Arguments);
        var worker = DeployFiles.Systemd("dpt-worker@.service", "worker.env", "4055", "/creds");
        Assert.Equal("dpt-worker", worker.Program);
        Assert.Equal(["--join", "coordinator.example.org:4053", "--secret-file", "/creds/secret", "--listen", "0.0.0.0:4055", "--cache-dir", "/var/cache/dpt"],
            worker.Arguments);
    }

    [FashionMnistFact]
    public Task The_compose_files_commands_must_train_fashion_mnist() =>
        TrainsAsync(DeployFiles.Compose("coordinator"), DeployFiles.Compose("worker"), "/run/secrets/dpt_cluster", coordinatorHost: "coordinator");

    [FashionMnistFact]
    public Task The_kubernetes_manifests_commands_must_train_fashion_mnist() =>
        TrainsAsync(DeployFiles.Kubernetes("coordinator.yaml"), DeployFiles.Kubernetes("workers.yaml"), "/etc/dpt/secret/secret", coordinatorHost: "dpt-coordinator");

    private static RootCommand Parser(string program) => program switch
    {
        "dpt" => DptCommand.Create(),
        "dpt-worker" => Dpt.Worker.Cli.WorkerCommand.Create(),
        _ => throw new ArgumentException($"deploy/ starts {program}, which is neither dpt nor dpt-worker", nameof(program)),
    };

    /// <summary>Runs the coordinator's command with one epoch (and --json) added, and two of the worker's, each
    /// argument as written but the in-container paths, host names and ports, which are mapped to this machine.</summary>
    private async Task TrainsAsync(DeployedCommand coordinator, DeployedCommand worker, string secretPath, string coordinatorHost)
    {
        Assert.Equal("dpt", coordinator.Program);
        Assert.Equal("dpt-worker", worker.Program);
        using var directory = new TempDirectory();
        File.WriteAllText(directory.File("secret"), ClusterProcesses.Secret + "\n");
        int port = ClusterProcesses.FreePort();
        var map = new Dictionary<string, string>
        {
            [secretPath] = directory.File("secret"),
            ["/data"] = Dpt.Data.MnistFormat.FashionMnistDirectory,
            ["/runs"] = directory.File("runs"),
            ["/cache"] = directory.File("cache"),
            ["0.0.0.0:4053"] = $"127.0.0.1:{port}",
            [$"{coordinatorHost}:4053"] = $"127.0.0.1:{port}",
            [coordinatorHost] = "127.0.0.1",
            ["0.0.0.0:4054"] = "127.0.0.1:0", // two workers on one host, where each container has an address of its own
            ["$(POD_IP)"] = "127.0.0.1",
        };
        string[] Mapped(DeployedCommand c) => c.Arguments.Select(a => map.GetValueOrDefault(a, a)).ToArray();

        using var dpt = DptProcess.Start([.. Mapped(coordinator), "--epochs", "1", "--json", "--name", "deployed"]);
        using var first = DptProcess.StartWorker(Mapped(worker));
        using var second = DptProcess.StartWorker(Mapped(worker));
        // A worker that refuses its command line ends at once: fail then, not when the waiting coordinator times out.
        var workers = new[] { first, second }.Select(w => w.WaitForExitAsync(ClusterProcesses.Timeout)).ToArray();
        var coordinatorExit = dpt.WaitForExitAsync(ClusterProcesses.Timeout);
        var ended = await Task.WhenAny([coordinatorExit, .. workers]);
        if (ended != coordinatorExit && (await ended).ExitCode != 0) Assert.Fail($"a worker failed before the run ended\n{await ended}");
        var result = await coordinatorExit;
        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 0, result.ToString());
        var epoch = System.Text.Json.JsonDocument.Parse(Assert.Single(result.OutputLines)).RootElement;
        Assert.Equal(2, epoch.GetProperty("workers").GetInt32());
        double accuracy = epoch.GetProperty("test_accuracy").GetDouble();
        output.WriteLine($"test accuracy after 1 epoch: {accuracy:F4}");
        Assert.True(accuracy >= 0.80, $"test accuracy {accuracy}");
        Assert.True(File.Exists(Path.Combine(directory.File("runs"), "deployed", "model.dpt")), "no model.dpt in the run folder");
        foreach (var w in workers)
        {
            var exit = await w;
            Assert.True(exit.ExitCode == 0, exit.ToString());
            // The data came from the coordinator; the two share the cache folder, so one may find it there.
            Assert.Contains(exit.ErrorLines, l => l.StartsWith("dpt-worker: data: received ", StringComparison.Ordinal)
                                                  || l.StartsWith("dpt-worker: data: all 4 files found intact in ", StringComparison.Ordinal));
        }
    }
}
