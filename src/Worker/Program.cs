// dpt-worker: joins a coordinator (dpt train --listen) as a worker node. Parse and validate the command
// line, then run the node until Ctrl-C or SIGTERM (leave the cluster gracefully) or until it cannot take
// part (refused, coordinator unreachable), reporting each event in one line on standard error.
using System.CommandLine;
using Dpt.CommandLine;
using Dpt.Worker.Cli;

CliProgram.ProgramName = "dpt-worker";
Dpt.Remoting.SocketCompletions.PreferInline(); // before the first socket
var root = WorkerCommand.Create();
CliHelp.Install(root);
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine(CliProgram.DescribeParseErrors(parsed));
    return CliProgram.Usage;
}
return await parsed.InvokeAsync();
