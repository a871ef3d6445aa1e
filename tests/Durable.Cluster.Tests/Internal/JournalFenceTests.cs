using Durable.Cluster.Internal;
using Durable.Hosting;
using Durable.Storage;
using Durable.Storage.Postgres;
using Npgsql;

namespace Durable.Cluster.Tests.Internal;

/// <summary>The PostgreSQL journal with a fence: an append commits only under a live lease at the expected epoch.</summary>
[Collection(PostgresServer.Collection)]
public sealed class JournalFenceTests(TestSchema schema) : IClassFixture<TestSchema>, IAsyncLifetime
{
    private sealed class FixedFence : IJournalFence
    {
        public JournalFenceToken Token { get; set; } = new(0, "a", 1);

        public JournalFenceToken Acquire(ObjectKey key) => Token;
    }

    private readonly FixedFence _fence = new();
    private PostgresStorageProvider _storage = null!;
    private readonly ObjectKey _key = new("counter", Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + new string('0', 32));

    public async Task InitializeAsync()
    {
        await using (var store = new ClusterStore(NpgsqlDataSource.Create(schema.ConnectionString)))
            await store.MigrateAsync(CancellationToken.None);
        await schema.ExecuteAsync("DELETE FROM shard_leases; INSERT INTO shard_leases VALUES (0, 'a', 1, now() + interval '1 minute', NULL)");
        _storage = new PostgresStorageProvider(new PostgresStorageOptions { ConnectionString = schema.ConnectionString }, fence: _fence);
        await _storage.OpenAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _storage.DisposeAsync();

    private Task AppendAsync(long seq)
    {
        var batch = new WriteBatch();
        batch.Put("value", new StoredValue(StoredValueKind.Json, System.Text.Encoding.UTF8.GetBytes(seq.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        return _storage.AppendAsync(_key, new JournalEvent(seq, DateTimeOffset.UtcNow, batch), CancellationToken.None);
    }

    [Fact]
    public async Task Append_under_the_held_lease_commits()
    {
        await AppendAsync(1);
        Assert.Equal(1, (await _storage.LoadAsync(_key, CancellationToken.None)).Seq);
    }

    [Fact]
    public async Task Append_after_the_lease_moved_commits_nothing_and_says_lease_lost()
    {
        await AppendAsync(1);
        await schema.ExecuteAsync("UPDATE shard_leases SET owner = 'b', epoch = 2 WHERE shard = 0");
        await Assert.ThrowsAsync<LeaseLostException>(() => AppendAsync(2));
        Assert.Equal(1, (await _storage.LoadAsync(_key, CancellationToken.None)).Seq);
    }

    [Fact]
    public async Task Append_after_the_lease_expired_by_the_database_clock_commits_nothing()
    {
        await schema.ExecuteAsync("UPDATE shard_leases SET expires_at = now() - interval '1 millisecond' WHERE shard = 0");
        await Assert.ThrowsAsync<LeaseLostException>(() => AppendAsync(1));
        Assert.Equal(0, (await _storage.LoadAsync(_key, CancellationToken.None)).Seq);
    }

    [Fact]
    public async Task A_taken_sequence_number_under_a_valid_lease_is_still_a_conflict()
    {
        await AppendAsync(1);
        await Assert.ThrowsAsync<StorageConflictException>(() => AppendAsync(1));
    }

    [Fact]
    public async Task A_fence_that_refuses_locally_fails_without_touching_the_database()
    {
        var refusing = new PostgresStorageProvider(new PostgresStorageOptions { ConnectionString = schema.ConnectionString }, fence: new Refusing());
        await refusing.OpenAsync(CancellationToken.None);
        await using (refusing)
        {
            var batch = new WriteBatch();
            batch.Put("value", new StoredValue(StoredValueKind.Json, "1"u8.ToArray()));
            await Assert.ThrowsAsync<LeaseLostException>(() => refusing.AppendAsync(_key, new JournalEvent(1, DateTimeOffset.UtcNow, batch), CancellationToken.None));
        }
    }

    private sealed class Refusing : IJournalFence
    {
        public JournalFenceToken Acquire(ObjectKey key) => throw new LeaseLostException(key, -1, "test");
    }
}
