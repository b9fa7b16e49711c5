// The dpt program's root command, apart from Program.cs so that specs can parse the command lines the
// deploy/ files give (the systemd units, the compose file, the Kubernetes manifests) with the real parser.
using System.CommandLine;
using Dpt.CommandLine;

namespace Dpt.Coordinator.Cli;

internal static class DptCommand
{
    public static RootCommand Create()
    {
        var root = new RootCommand("dpt: data-parallel training of multi-layer perceptrons on actors (local mode; cluster mode with dpt-worker).")
        {
            TrainCommand.Create(),
            BenchCommand.Create(),
            EvaluateCommand.Create(),
            ExperimentCommand.Create(),
        };
        CliHelp.Install(root);
        return root;
    }
}
