// dpt: the distributed data-parallel trainer's command line. Parse; report a command line that does not
// parse in one line (exit code 2); otherwise run the command, which reports its own failures in one line.
using Dpt.CommandLine;
using Dpt.Coordinator.Cli;

Dpt.Remoting.SocketCompletions.PreferInline(); // before the first socket

var root = DptCommand.Create();
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine(CliProgram.DescribeParseErrors(parsed));
    return CliProgram.Usage;
}
return await parsed.InvokeAsync();
