// CPU lists as dpt-worker --cpus reads them (taskset's form), and the CPUs this process may use. PinProcess itself is
// tested on a real dpt-worker process (WorkerCommandSpec): pinning the test host would slow every test after it.
using Dpt.Hosting;

namespace Dpt.Shared.Tests.Hosting;

public sealed class CpuAffinitySpec
{
    [Theory]
    [InlineData("0", new[] { 0 }, "0")]
    [InlineData("3,1", new[] { 1, 3 }, "1,3")]
    [InlineData("0-3,6", new[] { 0, 1, 2, 3, 6 }, "0-3,6")]
    [InlineData(" 2 , 1-2 ", new[] { 1, 2 }, "1-2")]
    public void A_cpu_list_must_parse_to_sorted_distinct_cpus_and_print_back_with_ranges(string text, int[] cpus, string described)
    {
        Assert.True(CpuAffinity.TryParse(text, out var parsed, out string error), error);
        Assert.Equal(cpus, parsed);
        Assert.Equal(described, CpuAffinity.Describe(parsed));
    }

    [Theory]
    [InlineData("", "'' is not a CPU number or a range of them")]
    [InlineData("1-", "'1-' is not a CPU number or a range of them")]
    [InlineData("a", "'a' is not a CPU number or a range of them")]
    [InlineData("-1", "'-1' is not a CPU number or a range of them")]
    [InlineData("1-2-3", "'1-2-3' is not a CPU number or a range of them")]
    [InlineData("4-2", "the range 4-2 runs backwards")]
    [InlineData("1024", "CPU 1024 is beyond 1023")]
    public void A_malformed_cpu_list_must_be_refused_saying_why(string text, string error)
    {
        Assert.False(CpuAffinity.TryParse(text, out _, out string why));
        Assert.Equal(error, why);
    }

    [Fact]
    public void The_allowed_cpus_must_be_at_least_as_many_as_the_runtime_counts()
    {
        // The runtime's count can be lower still, under a CPU quota (a container's cgroup limit).
        var allowed = CpuAffinity.Allowed();
        Assert.InRange(allowed.Count, Environment.ProcessorCount, CpuAffinity.MaxCpus);
        Assert.Equal(allowed.Order(), allowed);
    }

    [Fact]
    public void Pinning_to_a_cpu_this_process_may_not_use_must_be_refused_naming_those_it_may()
    {
        if (!OperatingSystem.IsLinux()) return;
        var allowed = CpuAffinity.Allowed();
        var e = Assert.Throws<ArgumentException>(() => CpuAffinity.PinProcess([CpuAffinity.MaxCpus - 1]));
        Assert.Equal($"CPU {CpuAffinity.MaxCpus - 1} is not one this process may use ({CpuAffinity.Describe(allowed)})", e.Message);
        Assert.Equal(allowed, CpuAffinity.Allowed()); // refused before anything was changed
    }
}
