// What a benchmark ran on, printed beside its figures: the same command gives different numbers on
// different CPUs (this project's sessions have run on an AVX-512 EPYC and on an AVX2-only one, 1.5x
// apart), so a figure without its machine cannot be compared with another.
using System.Runtime.InteropServices;

namespace Dpt.Coordinator.Bench;

/// <param name="Cpu">The CPU's model name, with its family and model numbers where Linux gives them
/// ("AMD EPYC, family 25 model 1"); the architecture elsewhere.</param>
/// <param name="Processors">Logical processors this process may use.</param>
public sealed record MachineDescription(string Cpu, int Processors)
{
    private static readonly Lazy<MachineDescription> ThisMachine = new(Read);

    public static MachineDescription Current => ThisMachine.Value;

    public override string ToString() => $"{Cpu}, {Processors} logical processor{(Processors == 1 ? "" : "s")}";

    private static MachineDescription Read()
    {
        string cpu = RuntimeInformation.ProcessArchitecture.ToString();
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo")) cpu = FromCpuInfo(File.ReadLines("/proc/cpuinfo")) ?? cpu;
        }
        catch (IOException) { } // a sandbox without /proc: the architecture will do
        catch (UnauthorizedAccessException) { }
        return new MachineDescription(cpu, Environment.ProcessorCount);
    }

    /// <summary>The first processor's "model name", "cpu family" and "model" fields of /proc/cpuinfo; null without a model name.</summary>
    public static string? FromCpuInfo(IEnumerable<string> lines)
    {
        string? name = null, family = null, model = null;
        foreach (var line in lines)
        {
            if (line.Length == 0 && name is not null) break; // the end of the first processor's block
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
            if (key == "model name") name ??= value;
            else if (key == "cpu family") family ??= value;
            else if (key == "model") model ??= value;
        }
        if (string.IsNullOrEmpty(name)) return null;
        return family is not null && model is not null ? $"{name}, family {family} model {model}" : name;
    }
}
