// How a worker assembles one parameter version from the ranges its parameter-server shards publish.
using System.Runtime.InteropServices;
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
}
