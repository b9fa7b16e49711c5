// The feature arrays of data sets: as long as asked, and on Linux, once large, advised for huge pages, so that a
// shard's random rows cost no page walk each.
using System.Globalization;
using Dpt.Data;

namespace Dpt.Shared.Tests.Data;

public sealed class FeatureBufferSpec
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(16L << 20)] // 64 MiB: the huge-page path on Linux
    public void Must_be_as_long_as_asked_and_hold_what_is_written(long length)
    {
        var array = FeatureBuffer.Allocate(length);

        Assert.Equal(length, array.LongLength);
        for (long i = 0; i < length; i += 4093) array[i] = i;
        for (long i = 0; i < length; i += 4093) Assert.Equal(i, array[i]);
    }

    [Fact]
    public void More_than_an_array_can_hold_must_be_refused_by_name() =>
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => FeatureBuffer.Allocate((long)Array.MaxLength + 1)).ParamName);

    [TransparentHugePagesFact]
    public unsafe void A_large_array_must_lie_in_memory_advised_for_huge_pages()
    {
        var array = FeatureBuffer.Allocate(16L << 20); // 64 MiB
        long middle;
        fixed (float* data = array) middle = (long)(data + array.Length / 2);

        // "hg" in VmFlags: the mapping carries MADV_HUGEPAGE. Whether the kernel then finds free huge pages for it
        // is its affair (a fresh `dpt bench` process held 430 MB of its data sets in huge pages).
        Assert.Contains("hg", VmFlags(middle));
        GC.KeepAlive(array);
    }

    [Fact]
    public unsafe void A_small_array_must_not_be_advised()
    {
        if (!OperatingSystem.IsLinux()) return; // the advice exists on Linux only
        var array = FeatureBuffer.Allocate(1000);
        long middle;
        fixed (float* data = array) middle = (long)(data + array.Length / 2);

        Assert.DoesNotContain("hg", VmFlags(middle));
        GC.KeepAlive(array);
    }

    // The VmFlags of the mapping of /proc/self/smaps that contains address.
    private static string[] VmFlags(long address)
    {
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-');
            int space = line.IndexOf(' ');
            if (dash > 0 && space > dash && long.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long start)
                && long.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long end))
            {
                inside = start <= address && address < end;
                continue;
            }
            if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal))
                return line["VmFlags:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        throw new InvalidOperationException($"no mapping of /proc/self/smaps holds 0x{address:x}");
    }
}
