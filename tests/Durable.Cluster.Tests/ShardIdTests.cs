using Durable.Storage;

namespace Durable.Cluster.Tests;

public sealed class ShardIdTests
{
    [Fact]
    public void Shard_is_stable_and_in_range()
    {
        var key = new ObjectKey("counter", new string('a', 64));
        Assert.Equal(ShardId.For(key, 1024), ShardId.For(key, 1024));
        // Part of the cluster's format: a change would move every stored object to another shard.
        Assert.Equal(new ShardId(Fnv(key) % 1024 is var v ? (int)v : 0), ShardId.For(key, 1024));
        Assert.InRange(ShardId.For(key, 7).Value, 0, 6);
    }

    [Fact]
    public void Random_ids_spread_evenly_over_shards()
    {
        var counts = new int[16];
        for (var i = 0; i < 16_000; i++)
            counts[ShardId.For(new ObjectKey("counter", Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + new string('0', 32)), 16).Value]++;
        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
    }

    private static uint Fnv(ObjectKey key)
    {
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(key.Namespace + "\0" + key.Id)) hash = (hash ^ b) * 16777619u;
        return hash;
    }
}
