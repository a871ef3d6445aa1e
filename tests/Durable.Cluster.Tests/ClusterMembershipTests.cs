using System.Diagnostics;
using Durable.Storage;

namespace Durable.Cluster.Tests;

/// <summary>Membership, allocation, handoff, failover and fencing with in-process nodes on a real PostgreSQL.
/// Each test has its own schema (its own cluster); every wait is bounded and names its phase.</summary>
[Collection(PostgresServer.Collection)]
public sealed class ClusterMembershipTests : IAsyncLifetime
{
    private readonly TestSchema _schema = new();
    private readonly List<ClusterTestNode> _nodes = [];

    public Task InitializeAsync() => _schema.InitializeAsync();

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        await _schema.DisposeAsync();
    }

    private async Task<ClusterTestNode> StartAsync(string name, Action<Hosting.ClusterOptions>? configure = null)
    {
        var node = await ClusterTestNode.StartAsync(_schema.ConnectionString, name, configure);
        _nodes.Add(node);
        return node;
    }

    private static async Task Eventually(Func<bool> condition, string phase, double seconds = 10)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed.TotalSeconds > seconds) throw new TimeoutException($"Timed out after {seconds} s waiting for: {phase}");
            await Task.Delay(25);
        }
    }

    private static async Task<string> FetchWithRetryAsync(IReadOnlyList<ClusterTestNode> nodes, string name, string path, double seconds = 10)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var owner = nodes.FirstOrDefault(n => n.Serves(name));
            if (owner is not null)
            {
                try
                {
                    return await owner.FetchAsync(name, path);
                }
                catch (DurableObjectException e) when (e.IsRetryable && watch.Elapsed.TotalSeconds < seconds)
                {
                }
            }
            if (watch.Elapsed.TotalSeconds > seconds) throw new TimeoutException($"Timed out after {seconds} s: no node served {name} for {path}");
            await Task.Delay(25);
        }
    }

    [Fact]
    public async Task A_single_node_acquires_every_shard_and_serves_objects()
    {
        var a = await StartAsync("a");
        Assert.True(a.Cluster.IsReady);
        await Eventually(() => a.Cluster.Leases.ServingCount == 64, "node a serving all 64 shards");
        Assert.Equal("1", await a.FetchAsync("x", "/increment"));
        Assert.Equal("2", await a.FetchAsync("x", "/increment"));
        Assert.Equal(64, a.Cluster.Map.ShardsOf(a.Id));
    }

    [Fact]
    public async Task The_shard_count_is_checked_when_a_node_joins()
    {
        await StartAsync("a");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync("b", o => o.Shards = 32));
        Assert.Contains("32 shards", error.Message);
        Assert.Contains("64", error.Message);
    }

    [Fact]
    public async Task A_joining_node_receives_half_the_shards_and_objects_keep_their_state()
    {
        var a = await StartAsync("a");
        await Eventually(() => a.Cluster.Leases.ServingCount == 64, "node a serving all shards");
        var names = Enumerable.Range(0, 40).Select(i => $"obj{i}").ToList();
        foreach (var name in names) Assert.Equal("1", await a.FetchAsync(name, "/increment"));

        var b = await StartAsync("b");
        await Eventually(() => a.Cluster.Leases.ServingCount == 32 && b.Cluster.Leases.ServingCount == 32, "32 shards on each node", 15);
        var nodes = new[] { a, b };
        foreach (var name in names) Assert.Equal("2", await FetchWithRetryAsync(nodes, name, "/increment"));
        Assert.Contains(names, n => b.Serves(n));
    }

    [Fact]
    public async Task A_node_that_stops_heartbeating_loses_its_shards_and_commits_nothing_after()
    {
        var a = await StartAsync("a");
        var b = await StartAsync("b");
        await Eventually(() => a.Cluster.Leases.ServingCount + b.Cluster.Leases.ServingCount == 64 && b.Cluster.Leases.ServingCount >= 30,
            "shards spread over a and b", 15);
        var name = Enumerable.Range(0, 1000).Select(i => $"o{i}").First(a.Serves);
        for (var i = 1; i <= 5; i++) Assert.Equal(i.ToString(), await a.FetchAsync(name, "/increment"));

        var frozenAt = Stopwatch.StartNew();
        await a.FreezeHeartbeatsAsync();
        await Eventually(() => b.Serves(name), "b taking over the frozen node's shard", 2 * 1.5 + 1 + 1);
        Assert.InRange(frozenAt.Elapsed.TotalSeconds, 0, 2 * 1.5 + 1);
        Assert.Equal("6", await b.FetchAsync(name, "/increment"));

        // The frozen node's own clock already stopped it; even past that, its journal commits are fenced.
        await Assert.ThrowsAsync<ShardMovedException>(() => a.FetchAsync(name, "/increment"));
        var id = a.Counters.IdFromName(name);
        var storage = a.Runtime.Storage;
        var batch = new WriteBatch();
        batch.Put("value", new StoredValue(StoredValueKind.Json, "100"u8.ToArray()));
        await Assert.ThrowsAsync<LeaseLostException>(() => storage.AppendAsync(ObjectKey.For(id), new JournalEvent(7, DateTimeOffset.UtcNow, batch), CancellationToken.None));
        Assert.Equal("7", await b.FetchAsync(name, "/increment"));
    }

    [Fact]
    public async Task Alarms_of_a_frozen_node_fire_on_the_new_owner()
    {
        var a = await StartAsync("a");
        var b = await StartAsync("b");
        await Eventually(() => b.Cluster.Leases.ServingCount >= 30 && a.Cluster.Leases.ServingCount >= 30, "shards spread over a and b", 15);
        var name = Enumerable.Range(0, 1000).Select(i => $"al{i}").First(a.Serves);
        await a.FetchAsync(name, "/alarm?ms=2500");
        Assert.Equal(1L, await _schema.ScalarAsync<long>("SELECT count(*) FROM alarms"));
        await a.FreezeHeartbeatsAsync();
        a.Runtime.ForgetAlarms(_ => true); // a frozen process fires nothing
        await Eventually(() => b.Serves(name), "b taking over the shard with the alarm", 5);
        await Eventually(() => b.Runtime.Alarms.Count == 1, "b scheduling the adopted alarm", 2);
        var watch = Stopwatch.StartNew();
        while (await b.FetchAsync(name, "/alarms", HttpMethod.Get) != "1")
        {
            if (watch.Elapsed.TotalSeconds > 10) throw new TimeoutException($"The alarm of {name} never fired on node b");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_node_that_leaves_gracefully_hands_every_shard_over_at_once()
    {
        // Leases of 10 s: taking over faster than that proves the leaving node released them.
        var a = await StartAsync("a", o => o.LeaseTtl = TimeSpan.FromSeconds(10));
        var b = await StartAsync("b", o => o.LeaseTtl = TimeSpan.FromSeconds(10));
        await Eventually(() => b.Cluster.Leases.ServingCount >= 30, "shards spread over a and b", 15);
        var name = Enumerable.Range(0, 1000).Select(i => $"g{i}").First(a.Serves);
        Assert.Equal("1", await a.FetchAsync(name, "/increment"));
        var watch = Stopwatch.StartNew();
        await a.StopAsync();
        await Eventually(() => b.Cluster.Leases.ServingCount == 64, "b serving every shard after a left", 5);
        Assert.InRange(watch.Elapsed.TotalSeconds, 0, 5);
        Assert.Equal("2", await b.FetchAsync(name, "/increment"));
    }
}
