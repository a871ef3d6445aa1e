using Durable.Actors.Tests.Persistence.Conformance;
using Durable.Persistence;
using Npgsql;

namespace Durable.Actors.Tests.Persistence;

/// <summary>The PostgreSQL engine's group commit (the plugin contract is the conformance suite's): the writes of a group
/// go in with one statement, yet each AtomicWrite is stored whole or not at all, and a place two writes of the group
/// both ask for goes to the first.</summary>
public sealed class PostgresEngineTests : IAsyncLifetime
{
    private readonly FreshPostgresSchema _schema = new("durable_engine_");
    private PostgresEngine _engine = null!;

    public async Task InitializeAsync()
    {
        await _schema.CreateAsync();
        _engine = new PostgresEngine(new EngineSettings(EngineKind.Postgres, _schema.ConnectionString, TimeSpan.FromSeconds(5),
            2048, 4096, 256, 256 * 1024, TimeSpan.FromSeconds(30), 8192), TimeProvider.System);
        await _engine.OpenAsync();
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        await _schema.DropAsync();
    }

    private static WriteEvents Write(string persistenceId, byte tag, params long[][] atomicWrites) => new(
        persistenceId,
        atomicWrites.Select(seqs => new AtomicRows(seqs.Select(s => new StoredEvent(s, 1000 + s, [tag, (byte)s])).ToArray())).ToArray(),
        atomicWrites.Sum(w => w.Length));

    /// <summary>
    /// Holds the writer in its next group until disposed: another transaction inserts the row the group's write then
    /// waits for (PostgreSQL makes the second insert of a unique key wait for the first's transaction), so everything
    /// queued meanwhile lands in the group after it. Disposing rolls the other transaction back.
    /// </summary>
    private async Task<IAsyncDisposable> HoldWriterAsync()
    {
        var connection = new NpgsqlConnection(_schema.ConnectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO event_journal(persistence_id, seq, written, payload) VALUES ('hold', 1, 0, '\x00')
            """, connection, transaction))
            await insert.ExecuteNonQueryAsync();
        var held = _engine.EnqueueAsync(Write("hold", 9, [1]));
        await WaitUntilBlockedByAsync(connection.ProcessID);
        return new Release(connection, transaction, held);
    }

    /// <summary>Asks the server, until it says so (at most 5 s), whether a session waits on <paramref name="holder"/>'s
    /// lock: only the engine's writer can, since the other tests on this server never touch this schema's rows.</summary>
    private async Task WaitUntilBlockedByAsync(int holder)
    {
        await using var connection = new NpgsqlConnection(_schema.ConnectionString);
        await connection.OpenAsync();
        await using var blocked = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", connection);
        blocked.Parameters.Add(new NpgsqlParameter<int> { TypedValue = holder });
        for (var i = 0; (long)(await blocked.ExecuteScalarAsync())! == 0; i++)
        {
            if (i == 500) throw new TimeoutException("The engine's writer never waited on the held row.");
            await Task.Delay(10);
        }
    }

    private sealed class Release(NpgsqlConnection connection, NpgsqlTransaction transaction, Task held) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await connection.DisposeAsync();
            await held;
        }
    }

    private async Task<List<(long Seq, byte Tag)>> ReplayAsync(string persistenceId)
    {
        var rows = new List<(long, byte)>();
        await _engine.QueryEventsAsync(persistenceId, 1, long.MaxValue, long.MaxValue, e => rows.Add((e.SequenceNr, e.Payload[0])));
        return rows;
    }

    [Fact]
    public async Task A_conflicting_atomic_write_stores_none_of_its_events_and_the_rest_of_its_group_commits()
    {
        await _engine.EnqueueAsync(Write("a", 1, [1, 2]));
        var commits = _engine.Commits;
        Task conflicting, other;
        await using (await HoldWriterAsync())
        {
            conflicting = _engine.EnqueueAsync(Write("a", 2, [2, 3]));
            other = _engine.EnqueueAsync(Write("b", 2, [1, 2], [3]));
        }

        var error = await Assert.ThrowsAsync<SequenceConflictException>(() => conflicting);
        Assert.Equal("a", error.PersistenceId);
        await other;
        Assert.Equal(2, _engine.Commits - commits);   // the held group, then both writes in one
        Assert.Equal([(1, 1), (2, 1)], await ReplayAsync("a"));
        Assert.Equal([(1, 2), (2, 2), (3, 2)], await ReplayAsync("b"));
        Assert.Equal(2, await _engine.ReadHighestSequenceNrAsync("a"));
    }

    [Fact]
    public async Task A_lone_atomic_write_that_gets_only_some_of_its_places_stores_none_of_them()
    {
        await _engine.EnqueueAsync(Write("lone", 1, [2]));
        await Assert.ThrowsAsync<SequenceConflictException>(() => _engine.EnqueueAsync(Write("lone", 2, [1, 2, 3])));

        Assert.Equal([(2, 1)], await ReplayAsync("lone"));
        await _engine.EnqueueAsync(Write("lone", 3, [3]));
        Assert.Equal([(2, 1), (3, 3)], await ReplayAsync("lone"));
    }

    [Fact]
    public async Task Two_writers_of_one_id_in_one_group_store_only_the_first()
    {
        Task first, second, third;
        await using (await HoldWriterAsync())
        {
            first = _engine.EnqueueAsync(Write("twice", 1, [1, 2]));
            second = _engine.EnqueueAsync(Write("twice", 2, [2, 3]));
            third = _engine.EnqueueAsync(Write("twice", 3, [3]));
        }

        await first;
        await Assert.ThrowsAsync<SequenceConflictException>(() => second);
        // Place 3 went to the second write, which was taken back after every row of the group was offered.
        await Assert.ThrowsAsync<SequenceConflictException>(() => third);
        Assert.Equal([(1, 1), (2, 1)], await ReplayAsync("twice"));
    }

    [Fact]
    public async Task Writes_and_a_deletion_in_one_group_apply_in_queue_order()
    {
        Task before, delete, after;
        await using (await HoldWriterAsync())
        {
            before = _engine.EnqueueAsync(Write("order", 1, [1], [2]));
            delete = _engine.EnqueueAsync(new DeleteEvents("order", 2));
            after = _engine.EnqueueAsync(Write("order", 2, [3]));
        }

        await Task.WhenAll(before, delete, after);
        Assert.Equal([(3, 2)], await ReplayAsync("order"));
        await Assert.ThrowsAsync<SequenceConflictException>(() => _engine.EnqueueAsync(Write("order", 3, [2])));
        Assert.Equal(3, await _engine.ReadHighestSequenceNrAsync("order"));
    }
}
