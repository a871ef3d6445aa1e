using Durable.Cluster.Internal;
using Npgsql;

namespace Durable.Cluster.Tests.Internal;

/// <summary>
/// Several nodes' statements on the lease table at once, against the real server: heartbeats, allocation with
/// handoffs, transfers, leaves and re-joins. The server must never have to break a deadlock between them (a deadlock
/// once failed a node's start in CI); the store counts every statement it had to run again.
/// </summary>
[Collection(PostgresServer.Collection)]
public sealed class ClusterStoreConcurrencyTests(TestSchema schema) : IClassFixture<TestSchema>
{
    private const int Shards = 1024;
    private const int Nodes = 4;
    private const int Rounds = 300;
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Heartbeats_allocations_transfers_and_leaves_of_four_nodes_at_once_never_deadlock()
    {
        var stores = Enumerable.Range(0, Nodes)
            .Select(_ => new ClusterStore(NpgsqlDataSource.Create(schema.ConnectionString)))
            .ToArray();
        try
        {
            await stores[0].MigrateAsync(CancellationToken.None);
            // Node 0 starts alone and is granted every shard, so the others' joins can only be balanced by handoffs and
            // the run always exercises transfers. (When all four joined before any allocation, the free shards were
            // granted straight to all of them; whether a leave and re-join then needed a handoff depended on timing,
            // and one CI run in several moved none.)
            await stores[0].JoinAsync(new NodeId("n0"), "http://127.0.0.1:9000", Shards, CancellationToken.None);
            await stores[0].TryAllocateAsync(Ttl, maxHandoffs: 8, CancellationToken.None);
            Assert.Equal(Shards, await schema.ScalarAsync<long>("SELECT count(*) FROM shard_leases WHERE owner = 'n0'"));
            var transfers = 0;
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var nodes = stores.Select((store, i) => Task.Run(async () =>
            {
                var node = new NodeId($"n{i}");
                await start.Task;
                await store.JoinAsync(node, $"http://127.0.0.1:{9000 + i}", Shards, CancellationToken.None);
                for (var round = 0; round < Rounds; round++)
                {
                    foreach (var lease in await store.HeartbeatAsync(node, Ttl, CancellationToken.None))
                        if (lease.HandoffTo is { } to && await store.TransferAsync(lease.Shard, node, lease.Epoch, to, Ttl, CancellationToken.None))
                            Interlocked.Increment(ref transfers);
                    await store.TryAllocateAsync(Ttl, maxHandoffs: 8, CancellationToken.None);
                    // Each node leaves and comes back once, at a different moment, so the others rebalance around it.
                    if (round == 50 + 60 * i)
                    {
                        await store.LeaveAsync(node, CancellationToken.None);
                        await store.JoinAsync(node, $"http://127.0.0.1:{9000 + i}", Shards, CancellationToken.None);
                    }
                }
            })).ToArray();
            start.SetResult();
            await Task.WhenAll(nodes).WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(0, stores.Sum(s => s.Retries));
            Assert.True(transfers > 0, "the run moved no shard by handoff, so it did not exercise transfers");
            Assert.Equal(Shards, await schema.ScalarAsync<long>("SELECT count(*) FROM shard_leases WHERE owner IS NOT NULL AND expires_at > now()"));
        }
        finally
        {
            foreach (var store in stores) await store.DisposeAsync();
        }
    }
}
