// The machine line of `dpt bench`: the first processor's model, family and model numbers from /proc/cpuinfo.
using Dpt.Coordinator.Bench;

namespace Dpt.Coordinator.Tests.Bench;

public sealed class MachineDescriptionSpec
{
    [Fact]
    public void The_first_processors_model_family_and_model_must_be_read_from_cpuinfo()
    {
        string[] cpuinfo =
        [
            "processor\t: 0", "vendor_id\t: AuthenticAMD", "cpu family\t: 25", "model\t\t: 1", "model name\t: AMD EPYC", "flags\t\t: fpu avx2",
            "",
            "processor\t: 1", "cpu family\t: 26", "model\t\t: 2", "model name\t: Other",
        ];

        Assert.Equal("AMD EPYC, family 25 model 1", MachineDescription.FromCpuInfo(cpuinfo));
    }

    [Fact]
    public void A_cpuinfo_without_family_numbers_must_give_the_model_name_alone_and_one_without_a_name_nothing()
    {
        // Arm kernels print neither "model name" nor "cpu family" on some boards.
        Assert.Equal("Neoverse-N1", MachineDescription.FromCpuInfo(["processor\t: 0", "model name\t: Neoverse-N1"]));
        Assert.Null(MachineDescription.FromCpuInfo(["processor\t: 0", "BogoMIPS\t: 50.00", "CPU implementer\t: 0x41"]));
    }

    [Fact]
    public void This_machine_must_be_described_with_its_processor_count()
    {
        var machine = MachineDescription.Current;

        Assert.False(string.IsNullOrWhiteSpace(machine.Cpu));
        Assert.Equal(Environment.ProcessorCount, machine.Processors);
        Assert.Contains($"{Environment.ProcessorCount} logical processor", machine.ToString());
    }
}
