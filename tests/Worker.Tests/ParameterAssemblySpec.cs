// How a worker assembles one parameter version from the ranges its parameter-server shards publish.
using System.Runtime.InteropServices;
using Dpt.Remoting;
using static Dpt.Training.ParameterServerProtocol;

namespace Dpt.Worker.Tests;

public class ParameterAssemblySpec
{
    // Three shards over 40 parameters: [0,16), [16,32), [32,40).
    private static readonly (int Offset, int Count)[] Shards = [(0, 16), (16, 16), (32, 8)];
    private const int Length = 40;

    private static float[] Buffer(float start) => Enumerable.Range(0, Length).Select(i => start + i).ToArray();

    /// <summary>Shard <paramref name="k"/>'s range of <paramref name="buffer"/>, in place (one process).</summary>
    private static ParametersPublished InPlace(int k, long version, float[] buffer) =>
        new(version, Shards[k].Offset, buffer.AsMemory(Shards[k].Offset, Shards[k].Count));

    /// <summary>Shard <paramref name="k"/>'s range of <paramref name="buffer"/>, as a copy (received over the network).</summary>
    private static ParametersPublished Copied(int k, long version, float[] buffer) =>
        new(version, Shards[k].Offset, buffer.AsSpan(Shards[k].Offset, Shards[k].Count).ToArray());

    [Fact]
    public void A_version_must_be_complete_only_once_every_shards_range_arrived()
    {
        var assembly = new ParameterAssembly(Length, Shards.Length);
        var buffer = Buffer(0);
        Assert.Equal(-1, assembly.Version);
        Assert.False(assembly.Add(InPlace(2, 0, buffer)));
        Assert.False(assembly.Add(InPlace(0, 0, buffer)));
        Assert.Equal(-1, assembly.Version);
        Assert.True(assembly.Add(InPlace(1, 0, buffer)));
        Assert.Equal(0, assembly.Version);
    }

    [Fact]
    public void Ranges_published_in_place_must_be_read_in_place()
    {
        var assembly = new ParameterAssembly(Length, Shards.Length);
        var buffer = Buffer(0);
        for (int k = 0; k < Shards.Length; k++) assembly.Add(InPlace(k, 5, buffer));
        Assert.True(MemoryMarshal.TryGetArray(assembly.Values, out var segment));
        Assert.Same(buffer, segment.Array);
        Assert.Equal(Length, assembly.Values.Length);
    }

    [Fact]
    public void Copied_ranges_must_be_assembled_into_one_buffer_of_the_worker()
    {
        var assembly = new ParameterAssembly(Length, Shards.Length);
        var v0 = Buffer(0);
        foreach (int k in new[] { 1, 2, 0 }) assembly.Add(Copied(k, 0, v0));
        Assert.Equal(v0, assembly.Values.ToArray());

        var v1 = Buffer(100);
        foreach (int k in new[] { 2, 0, 1 }) assembly.Add(Copied(k, 1, v1));
        Assert.Equal(1, assembly.Version);
        Assert.Equal(v1, assembly.Values.ToArray());
    }

    [Fact]
    public void Ranges_of_the_complete_version_or_older_must_be_ignored()
    {
        var assembly = new ParameterAssembly(Length, Shards.Length);
        var v3 = Buffer(3);
        for (int k = 0; k < Shards.Length; k++) assembly.Add(Copied(k, 3, v3));
        Assert.False(assembly.Add(Copied(0, 3, Buffer(-1))));
        Assert.False(assembly.Add(Copied(1, 2, Buffer(-2))));
        Assert.Equal(3, assembly.Version);
        Assert.Equal(v3, assembly.Values.ToArray());
    }

    [Fact]
    public void A_newer_version_must_supersede_a_half_assembled_one()
    {
        var assembly = new ParameterAssembly(Length, Shards.Length);
        var buffer = Buffer(0);
        Assert.False(assembly.Add(InPlace(0, 0, buffer)));
        Assert.False(assembly.Add(InPlace(1, 0, buffer)));
        Assert.False(assembly.Add(InPlace(0, 1, buffer)));
        Assert.False(assembly.Add(InPlace(2, 1, buffer)));
        Assert.True(assembly.Add(InPlace(1, 1, buffer)));
        Assert.Equal(1, assembly.Version);
    }

    [Fact]
    public void An_older_range_arriving_after_a_newer_one_must_not_discard_the_newer()
    {
        // Shard 0 answers a pull with version 6 while shards 1 and 2 are still at 5; they publish 6 next.
        var assembly = new ParameterAssembly(Length, Shards.Length);
        var v6 = Buffer(6);
        Assert.False(assembly.Add(Copied(0, 6, v6)));
        Assert.False(assembly.Add(Copied(1, 5, Buffer(-5))));
        Assert.False(assembly.Add(Copied(2, 5, Buffer(-5))));
        Assert.Equal(-1, assembly.Version);
        Assert.False(assembly.Add(Copied(1, 6, v6)));
        Assert.True(assembly.Add(Copied(2, 6, v6)));
        Assert.Equal(6, assembly.Version);
        Assert.Equal(v6, assembly.Values.ToArray());
    }

    [Fact]
    public void The_same_shards_range_twice_must_not_complete_a_version()
    {
        // A restarted worker pulls again, so one shard's range of a version can come twice.
        var assembly = new ParameterAssembly(Length, Shards.Length);
        var v2 = Buffer(2);
        Assert.False(assembly.Add(Copied(0, 2, v2)));
        Assert.False(assembly.Add(Copied(0, 2, v2)));
        Assert.False(assembly.Add(Copied(1, 2, v2)));
        Assert.Equal(-1, assembly.Version);
        Assert.True(assembly.Add(Copied(2, 2, v2)));
        Assert.Equal(v2, assembly.Values.ToArray());
    }

    /// <summary>A stand-in for a parameter-server shard layout of <paramref name="shards"/> ranges over <see cref="Length"/> parameters.</summary>
    private static (int Offset, int Count)[] Layout(int shards) => shards == 3 ? Shards : [(0, 16), (16, 24)];

    private static ParametersPublished Copied((int Offset, int Count) range, long version, float[] buffer) =>
        new(version, range.Offset, buffer.AsSpan(range.Offset, range.Count).ToArray());

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_half_assembled_copied_version_must_leave_the_current_one_intact(int shards)
    {
        var layout = Layout(shards);
        var assembly = new ParameterAssembly(Length, shards);
        var (v4, v5) = (Buffer(400), Buffer(500));
        for (int k = layout.Length - 1; k >= 0; k--) assembly.Add(Copied(layout[k], 4, v4));
        Assert.Equal(4, assembly.Version);
        var current = assembly.Values;

        // Every range of version 5 but one arrives, one of them twice: the current buffer still holds version 4.
        for (int k = 0; k < layout.Length - 1; k++)
        {
            Assert.False(assembly.Add(Copied(layout[k], 5, v5)));
            Assert.False(assembly.Add(Copied(layout[k], 5, v5)));
            Assert.Equal(4, assembly.Version);
            Assert.Equal(v4, assembly.Values.ToArray());
            Assert.Equal(v4, current.ToArray());
        }
        Assert.True(assembly.Add(Copied(layout[^1], 5, v5)));
        Assert.Equal(v5, assembly.Values.ToArray());
        // Version 4's buffer is untouched until version 6 is assembled into it.
        Assert.Equal(v4, current.ToArray());
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(3, 4)]
    public void Randomized_interleaved_versions_out_of_order_with_duplicates_must_only_ever_expose_a_whole_version(int shards, int seed)
    {
        // Each shard publishes its versions in order (and sometimes its latest one again, as it does for a new pull),
        // but shards run ahead of each other by up to two versions, so ranges of v and v + 1 (and v + 2) interleave.
        var layout = Layout(shards);
        var random = new Random(seed);
        const int Versions = 60;
        var buffers = Enumerable.Range(0, Versions).Select(v => Buffer(1000 * v)).ToArray();
        var assembly = new ParameterAssembly(Length, shards);
        var next = new int[shards];
        long last = -1;
        while (next.Min() < Versions)
        {
            int k = random.Next(shards);
            if (next[k] >= Versions || next[k] > next.Min() + 2) continue;
            int version = random.Next(5) == 0 && next[k] > 0 ? next[k] - 1 : next[k]++;
            bool completed = assembly.Add(Copied(layout[k], version, buffers[version]));

            Assert.True(assembly.Version >= last, $"version went back from {last} to {assembly.Version}");
            Assert.Equal(completed, assembly.Version > last);
            if (assembly.Version >= 0)
            {
                Assert.True(next.All(n => n > assembly.Version), $"version {assembly.Version} complete before every shard published it");
                Assert.Equal(buffers[assembly.Version], assembly.Values.ToArray());
            }
            last = assembly.Version;
        }
        Assert.Equal(Versions - 1, assembly.Version);
        Assert.Equal(buffers[^1], assembly.Values.ToArray());
    }

    [Fact]
    public void A_single_shards_whole_buffer_from_the_network_must_be_used_as_it_is()
    {
        var assembly = new ParameterAssembly(Length, 1);
        var received = Buffer(9);
        Assert.True(assembly.Add(new ParametersPublished(9, 0, received)));
        Assert.True(MemoryMarshal.TryGetArray(assembly.Values, out var segment));
        Assert.Same(received, segment.Array);
    }

    [Fact]
    public void Ranges_in_place_and_copied_in_one_version_must_be_gathered_into_the_workers_buffer()
    {
        var assembly = new ParameterAssembly(Length, Shards.Length);
        var v1 = Buffer(1);
        var shared = (float[])v1.Clone();
        assembly.Add(InPlace(0, 1, shared));
        assembly.Add(Copied(1, 1, v1));
        Assert.True(assembly.Add(InPlace(2, 1, shared)));
        Assert.Equal(v1, assembly.Values.ToArray());
        Assert.True(MemoryMarshal.TryGetArray(assembly.Values, out var segment));
        Assert.NotSame(shared, segment.Array);
    }

    // Received ranges are leases of the receive pool (ReceiveBuffers): back to it once nothing reads them.
    private const int Half = ReceiveBuffers.MinPooledLength;

    private static ParametersPublished Received(long version, int offset, int count, float value)
    {
        var lease = ReceiveBuffers.Rent(count);
        Array.Fill(lease, value);
        return new ParametersPublished(version, offset, lease);
    }

    private static float[] ArrayOf(ParametersPublished published) =>
        MemoryMarshal.TryGetArray(published.Parameters, out var segment) ? segment.Array! : throw new InvalidOperationException();

    [Fact]
    public void Copied_received_ranges_and_refused_ones_must_go_back_to_the_receive_pool()
    {
        var assembly = new ParameterAssembly(2 * Half, 2);
        var low = Received(0, 0, Half, 1f);
        var high = Received(0, Half, Half, 2f);
        Assert.False(assembly.Add(low));
        Assert.False(ReceiveBuffers.IsLeased(ArrayOf(low)));
        Assert.True(assembly.Add(high));
        Assert.False(ReceiveBuffers.IsLeased(ArrayOf(high)));
        var stale = Received(0, 0, Half, 3f);
        Assert.False(assembly.Add(stale));
        Assert.False(ReceiveBuffers.IsLeased(ArrayOf(stale)));
        Assert.Equal(1f, assembly.Values.Span[0]);
        Assert.Equal(2f, assembly.Values.Span[^1]);
    }

    [Fact]
    public void A_received_whole_buffer_read_in_place_must_stay_leased_until_a_newer_version_replaces_it()
    {
        var assembly = new ParameterAssembly(2 * Half, 1);
        var v0 = Received(0, 0, 2 * Half, 1f);
        Assert.True(assembly.Add(v0));
        Assert.True(ReceiveBuffers.IsLeased(ArrayOf(v0)));
        var v1 = Received(1, 0, 2 * Half, 2f);
        Assert.True(assembly.Add(v1));
        Assert.False(ReceiveBuffers.IsLeased(ArrayOf(v0)));
        Assert.True(ReceiveBuffers.IsLeased(ArrayOf(v1)));
        Assert.All(assembly.Values.ToArray(), v => Assert.Equal(2f, v));
    }

    [Fact]
    public void A_range_outside_the_parameters_must_not_fit()
    {
        var assembly = new ParameterAssembly(Length, Shards.Length);
        Assert.False(assembly.Fits(new ParametersPublished(0, 32, new float[9])));
        Assert.False(assembly.Fits(new ParametersPublished(0, -1, new float[2])));
        Assert.False(assembly.Fits(new ParametersPublished(0, 0, ReadOnlyMemory<float>.Empty)));
        Assert.True(assembly.Fits(new ParametersPublished(0, 32, new float[8])));
        Assert.Throws<ArgumentException>(() => assembly.Add(new ParametersPublished(0, 32, new float[9])));
    }

    [Fact]
    public void Steady_state_assembly_must_not_allocate_in_place_or_copied()
    {
        var assembly = new ParameterAssembly(Length, Shards.Length);
        var shared = Buffer(0);
        var inPlace = Enumerable.Range(0, 20).SelectMany(v => Enumerable.Range(0, Shards.Length).Select(k => InPlace(k, v, shared))).ToArray();
        var copied = Enumerable.Range(20, 20).SelectMany(v => Enumerable.Range(0, Shards.Length).Select(k => Copied(k, v, shared))).ToArray();
        for (int i = 0; i < 2 * Shards.Length; i++) assembly.Add(inPlace[i]);
        for (int i = 0; i < 2 * Shards.Length; i++) assembly.Add(copied[i]);
        var again = new ParameterAssembly(Length, Shards.Length);
        for (int i = 0; i < 2 * Shards.Length; i++) again.Add(inPlace[i]);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 2 * Shards.Length; i < inPlace.Length; i++) again.Add(inPlace[i]);
        long inPlaceBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 2 * Shards.Length; i < copied.Length; i++) assembly.Add(copied[i]);
        long copiedBytes = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal((19L, 39L), (again.Version, assembly.Version));
        Assert.Equal((0L, 0L), (inPlaceBytes, copiedBytes));
    }
}
