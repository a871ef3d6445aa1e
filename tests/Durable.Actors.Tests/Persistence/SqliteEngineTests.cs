using Durable.Persistence;
using Microsoft.Data.Sqlite;

namespace Durable.Actors.Tests.Persistence;

/// <summary>The SQLite engine's own promises (the plugin contract is the conformance suite's): group commit, per-write
/// atomicity, one-statement recovery and its cache, deletions, migrations.</summary>
public sealed class SqliteEngineTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "durable-engine-" + Guid.NewGuid().ToString("N"));
    private SqliteEngine _engine = null!;

    private string DatabasePath => Path.Combine(_directory, "persistence.db");

    internal static EngineSettings Settings(string path, int cacheEntries = 4096, int recentRowsBeforeMove = 8192) => new(
        EngineKind.Sqlite, path, TimeSpan.FromSeconds(5), 2048, cacheEntries, 256, 256 * 1024, TimeSpan.FromSeconds(30), recentRowsBeforeMove);

    /// <summary>Reopens the database with an engine that moves event_recent after <paramref name="rows"/> rows.</summary>
    private async Task MoveAfterRowsAsync(int rows)
    {
        await _engine.DisposeAsync();
        _engine = new SqliteEngine(Settings(DatabasePath, recentRowsBeforeMove: rows), TimeProvider.System);
        await _engine.OpenAsync();
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _engine = new SqliteEngine(Settings(DatabasePath), TimeProvider.System);
        await _engine.OpenAsync();
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static WriteEvents Write(string persistenceId, params long[][] atomicWrites) => new(
        persistenceId,
        atomicWrites.Select(seqs => new AtomicRows(seqs.Select(s => new StoredEvent(s, 1000 + s, [(byte)s, 7])).ToArray())).ToArray(),
        atomicWrites.Sum(w => w.Length));

    /// <summary>Holds SQLite's write lock from another connection until disposed, so the writer's next BEGIN IMMEDIATE
    /// waits and everything queued meanwhile lands in the group after it.</summary>
    private SqliteConnection HoldWriteLock()
    {
        var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        begin.ExecuteNonQuery();
        return connection;
    }

    [Fact]
    public async Task Concurrent_atomic_writes_of_many_ids_commit_in_one_or_two_transactions()
    {
        var before = _engine.Commits;
        Task[] writes;
        using (HoldWriteLock())
            writes = Enumerable.Range(0, 200).Select(i => _engine.EnqueueAsync(Write($"p{i}", [1], [2, 3]))).ToArray();
        await Task.WhenAll(writes);

        // The first group may have left before the rest were queued; everything queued behind it goes in one more.
        Assert.InRange(_engine.Commits - before, 1, 2);
        for (var i = 0; i < 200; i += 37) Assert.Equal(3, await _engine.ReadHighestSequenceNrAsync($"p{i}"));
    }

    [Fact]
    public async Task A_write_and_a_read_that_saw_it_complete_only_after_the_WAL_is_synced()
    {
        using var syncing = new SemaphoreSlim(0);
        using var release = new ManualResetEventSlim();
        _engine.BeforeSync = () =>
        {
            syncing.Release();
            release.Wait();
        };
        try
        {
            await WritesAndReadsWaitForTheSync(syncing, release);
        }
        finally
        {
            release.Set();   // a failed assertion must not leave the syncer held when the engine closes
        }
    }

    private async Task WritesAndReadsWaitForTheSync(SemaphoreSlim syncing, ManualResetEventSlim release)
    {
        var write = _engine.EnqueueAsync(Write("held", [1, 2]));
        Assert.True(await syncing.WaitAsync(TimeSpan.FromSeconds(30)), "the commit's sync never started");

        // Committed, so a read now sees it; neither the write nor that read may complete before the sync does.
        var read = _engine.ReadHighestSequenceNrAsync("held");
        var replayed = new List<long>();
        var replay = _engine.QueryEventsAsync("held", 1, long.MaxValue, long.MaxValue, e => replayed.Add(e.SequenceNr));
        // Both have read the database and now wait for the sync (a read that did not wait would never be counted).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_engine.ReadsWaitingForSync < 2)
        {
            if (DateTime.UtcNow > deadline || read.IsCompleted || replay.IsCompleted)
                throw new TimeoutException($"The reads did not wait for the sync (read done: {read.IsCompleted}, query done: {replay.IsCompleted}).");
            await Task.Delay(10);
        }
        Assert.False(write.IsCompleted, "the write completed before its commit was synced");
        Assert.False(read.IsCompleted, "a read returned a commit that was not synced yet");
        Assert.False(replay.IsCompleted, "a query returned a commit that was not synced yet");

        _engine.BeforeSync = null;
        release.Set();
        await write;
        Assert.Equal(2, await read);
        await replay;
        Assert.Equal([1L, 2L], replayed);
    }

    [Fact]
    public async Task After_a_failed_sync_the_engine_acknowledges_no_write_and_answers_no_read()
    {
        await _engine.EnqueueAsync(Write("before", [1]));
        _engine.BeforeSync = () => throw new IOException("disk gone");

        var failed = await Assert.ThrowsAsync<IOException>(() => _engine.EnqueueAsync(Write("lost", [1])));
        Assert.IsType<IOException>(failed.InnerException);
        _engine.BeforeSync = null;
        await Assert.ThrowsAsync<IOException>(() => _engine.EnqueueAsync(Write("later", [1])));
        await Assert.ThrowsAsync<IOException>(() => _engine.ReadHighestSequenceNrAsync("lost"));
    }

    [Fact]
    public async Task A_conflicting_atomic_write_stores_none_of_its_events_and_the_rest_of_its_group_commits()
    {
        await _engine.EnqueueAsync(Write("a", [1, 2]));
        Task conflicting, other;
        using (HoldWriteLock())
        {
            conflicting = _engine.EnqueueAsync(Write("a", [2, 3]));
            other = _engine.EnqueueAsync(Write("b", [1, 2]));
        }

        var error = await Assert.ThrowsAsync<SequenceConflictException>(() => conflicting);
        Assert.Equal("a", error.PersistenceId);
        await other;
        Assert.Equal(2, await _engine.ReadHighestSequenceNrAsync("a"));
        Assert.Equal(2, await _engine.ReadHighestSequenceNrAsync("b"));
        var replayed = new List<long>();
        await _engine.ReplayAsync("a", 1, long.MaxValue, long.MaxValue, e => replayed.Add(e.SequenceNr));
        Assert.Equal([1, 2], replayed);
    }

    [Fact]
    public async Task Two_writers_of_one_id_in_one_group_store_only_the_first()
    {
        Task first, second;
        using (HoldWriteLock())
        {
            first = _engine.EnqueueAsync(Write("twice", [1, 2]));
            second = _engine.EnqueueAsync(Write("twice", [1]));
        }
        await first;
        await Assert.ThrowsAsync<SequenceConflictException>(() => second);
        Assert.Equal(2, await _engine.ReadHighestSequenceNrAsync("twice"));
    }

    [Fact]
    public async Task A_recovery_reads_snapshot_highest_and_tail_in_one_statement()
    {
        await _engine.EnqueueAsync(Write("r", [1], [2], [3]));
        await _engine.EnqueueAsync(new SaveSnapshot("r", new StoredSnapshot(2, 500, [9])));
        await _engine.EnqueueAsync(Write("r", [4, 5]));
        var before = _engine.ReadStatements;

        var snapshot = await _engine.LoadSnapshotAsync("r", new SnapshotBounds(long.MaxValue, long.MaxValue, 0, 0));
        var highest = await _engine.ReadHighestSequenceNrAsync("r");
        var replayed = new List<long>();
        await _engine.ReplayAsync("r", snapshot!.SequenceNr + 1, highest, long.MaxValue, e => replayed.Add(e.SequenceNr));

        Assert.Equal(1, _engine.ReadStatements - before);
        Assert.Equal(2, snapshot.SequenceNr);
        Assert.Equal(5, highest);
        Assert.Equal([3, 4, 5], replayed);
        Assert.Equal(0, _engine.Cache.Count);
    }

    [Fact]
    public async Task Reads_run_their_prepared_statements_without_recompiling_them()
    {
        await _engine.EnqueueAsync(Write("w", [1], [2], [3]));
        var bounds = new SnapshotBounds(long.MaxValue, long.MaxValue, 0, 0);
        // One read at a time, so every read takes the same idle reader and its statements.
        for (var i = 0; i < 20; i++)
        {
            await _engine.LoadSnapshotAsync($"new-{i}", bounds);
            await _engine.LoadSnapshotAsync("w", bounds);
            await _engine.ReadHighestSequenceNrAsync($"new-{i}");
            await _engine.QueryEventsAsync("w", 1, 3, 2 + i % 2, _ => { });
            await _engine.ReadPersistenceIdsAsync(null, 1 + i % 2);
        }

        Assert.Equal(1, _engine.IdleReaders);
        Assert.Equal(0, _engine.ReaderRecompilations);
    }

    [Fact]
    public async Task Replay_and_id_listing_stop_at_their_maximum()
    {
        await _engine.EnqueueAsync(Write("m", [1], [2], [3], [4]));
        await _engine.EnqueueAsync(Write("n", [1]));
        await _engine.EnqueueAsync(Write("o", [1]));

        var read = new List<long>();
        await _engine.QueryEventsAsync("m", 2, 4, 2, e => read.Add(e.SequenceNr));
        Assert.Equal([2, 3], read);
        Assert.Equal(["m", "n"], await _engine.ReadPersistenceIdsAsync(null, 2));
        Assert.Equal(["n", "o"], await _engine.ReadPersistenceIdsAsync("m", 5));
    }

    [Fact]
    public async Task A_write_committed_after_the_snapshot_load_is_seen_by_the_replay()
    {
        await _engine.EnqueueAsync(Write("s", [1], [2]));
        await _engine.LoadSnapshotAsync("s", new SnapshotBounds(long.MaxValue, long.MaxValue, 0, 0));
        await _engine.EnqueueAsync(Write("s", [3]));

        Assert.Equal(3, await _engine.ReadHighestSequenceNrAsync("s"));
        var replayed = new List<long>();
        await _engine.ReplayAsync("s", 1, 3, long.MaxValue, e => replayed.Add(e.SequenceNr));
        Assert.Equal([1, 2, 3], replayed);
    }

    [Fact]
    public async Task A_tail_longer_than_the_cache_bound_is_replayed_from_the_database()
    {
        await _engine.EnqueueAsync(Write("long", Enumerable.Range(1, 300).Select(i => new[] { (long)i }).ToArray()));
        var before = _engine.ReadStatements;
        await _engine.LoadSnapshotAsync("long", new SnapshotBounds(long.MaxValue, long.MaxValue, 0, 0));
        var highest = await _engine.ReadHighestSequenceNrAsync("long");
        var replayed = 0;
        await _engine.ReplayAsync("long", 1, highest, long.MaxValue, _ => replayed++);

        Assert.Equal(300, highest);
        Assert.Equal(300, replayed);
        Assert.Equal(2, _engine.ReadStatements - before);
    }

    [Fact]
    public async Task Deleting_events_keeps_the_highest_sequence_number_and_their_places()
    {
        await _engine.EnqueueAsync(Write("d", [1], [2], [3]));
        await _engine.EnqueueAsync(new DeleteEvents("d", long.MaxValue));

        Assert.Equal(3, await _engine.ReadHighestSequenceNrAsync("d"));
        var replayed = 0;
        await _engine.ReplayAsync("d", 1, long.MaxValue, long.MaxValue, _ => replayed++);
        Assert.Equal(0, replayed);
        await Assert.ThrowsAsync<SequenceConflictException>(() => _engine.EnqueueAsync(Write("d", [3])));
        await _engine.EnqueueAsync(Write("d", [4]));
        Assert.Equal(4, await _engine.ReadHighestSequenceNrAsync("d"));
    }

    [Fact]
    public async Task An_id_first_written_in_a_failed_transaction_is_stored_by_its_next_write()
    {
        // A trigger makes SQLite fail the transaction after the id's first row (and its key) went in.
        Execute("CREATE TRIGGER fail_at_99 BEFORE INSERT ON event_recent WHEN NEW.seq = 99 BEGIN SELECT RAISE(ABORT, 'injected'); END");
        await Assert.ThrowsAsync<SqliteException>(() => _engine.EnqueueAsync(Write("fresh", [1], [99])));
        Execute("DROP TRIGGER fail_at_99");

        await _engine.EnqueueAsync(Write("fresh", [1]));
        Assert.Equal(1, await _engine.ReadHighestSequenceNrAsync("fresh"));
        var replayed = new List<long>();
        await _engine.ReplayAsync("fresh", 1, long.MaxValue, long.MaxValue, e => replayed.Add(e.SequenceNr));
        Assert.Equal([1], replayed);
        Assert.Equal(["fresh"], await _engine.ReadPersistenceIdsAsync(null, 10));
    }

    [Fact]
    public async Task Events_moved_out_of_the_recent_table_are_read_in_order_with_the_ones_written_after()
    {
        await MoveAfterRowsAsync(5);
        await _engine.EnqueueAsync(Write("mv", [1, 2, 3], [4]));
        await _engine.EnqueueAsync(Write("mv", [5, 6]));   // 6 rows: moved after this commit
        await _engine.EnqueueAsync(Write("mv", [7], [8]));
        await _engine.EnqueueAsync(Write("other", [1]));

        Assert.Equal(1, _engine.RecentMoves);
        Assert.Equal(6L, Scalar("SELECT count(*) FROM event_journal"));
        Assert.Equal(3L, Scalar("SELECT count(*) FROM event_recent"));
        Assert.Equal(8, await _engine.ReadHighestSequenceNrAsync("mv"));
        var replayed = new List<(long, byte)>();
        await _engine.QueryEventsAsync("mv", 2, 7, long.MaxValue, e => replayed.Add((e.SequenceNr, e.Payload[0])));
        Assert.Equal([(2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7)], replayed);
        var recovered = new List<long>();
        await _engine.EnqueueAsync(new SaveSnapshot("mv", new StoredSnapshot(3, 500, [9])));
        var snapshot = await _engine.LoadSnapshotAsync("mv", new SnapshotBounds(long.MaxValue, long.MaxValue, 0, 0));
        await _engine.ReplayAsync("mv", snapshot!.SequenceNr + 1, long.MaxValue, long.MaxValue, e => recovered.Add(e.SequenceNr));
        Assert.Equal([4, 5, 6, 7, 8], recovered);
        Assert.Equal(["mv", "other"], await _engine.ReadPersistenceIdsAsync(null, 10));
    }

    [Fact]
    public async Task A_place_taken_before_a_move_is_refused_after_it_and_nothing_of_the_write_is_stored()
    {
        await MoveAfterRowsAsync(3);
        await _engine.EnqueueAsync(Write("taken", [1, 2, 3]));

        // The writer moves after a group and before it takes the next: the conflicting write comes after the move.
        await Assert.ThrowsAsync<SequenceConflictException>(() => _engine.EnqueueAsync(Write("taken", [4, 3])));
        Assert.Equal(1, _engine.RecentMoves);
        Assert.Equal(3, await _engine.ReadHighestSequenceNrAsync("taken"));
        var replayed = new List<long>();
        await _engine.QueryEventsAsync("taken", 1, long.MaxValue, long.MaxValue, e => replayed.Add(e.SequenceNr));
        Assert.Equal([1, 2, 3], replayed);
        Assert.Equal(0L, Scalar("SELECT count(*) FROM event_recent"));
    }

    [Fact]
    public async Task Deleting_events_removes_them_from_both_tables_and_keeps_the_highest_sequence_number()
    {
        await MoveAfterRowsAsync(4);
        await _engine.EnqueueAsync(Write("del", [1, 2, 3, 4]));   // moved
        await _engine.EnqueueAsync(Write("del", [5], [6]));        // recent
        Assert.Equal(1, _engine.RecentMoves);
        await _engine.EnqueueAsync(new DeleteEvents("del", 5));

        var replayed = new List<long>();
        await _engine.QueryEventsAsync("del", 1, long.MaxValue, long.MaxValue, e => replayed.Add(e.SequenceNr));
        Assert.Equal([6], replayed);
        await _engine.EnqueueAsync(new DeleteEvents("del", long.MaxValue));
        Assert.Equal(6, await _engine.ReadHighestSequenceNrAsync("del"));
        Assert.Equal(0L, Scalar("SELECT (SELECT count(*) FROM event_journal) + (SELECT count(*) FROM event_recent)"));
        await Assert.ThrowsAsync<SequenceConflictException>(() => _engine.EnqueueAsync(Write("del", [5])));
    }

    [Fact]
    public async Task Events_of_a_database_written_before_the_recent_table_are_read_and_their_places_kept()
    {
        await _engine.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Delete(DatabasePath);
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            SqliteEngine.Migrate(connection, SqliteEngine.Migrations[..1], DatabasePath, TimeProvider.System);
            using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO journal_ids(id, persistence_id) VALUES (1, 'old');
                INSERT INTO event_journal(pid, seq, written, payload) VALUES (1, 1, 0, x'01'), (1, 2, 0, x'02');
                """;
            insert.ExecuteNonQuery();
        }
        _engine = new SqliteEngine(Settings(DatabasePath), TimeProvider.System);
        await _engine.OpenAsync();

        Assert.Equal(2, _engine.SchemaVersion);
        Assert.Equal(2, await _engine.ReadHighestSequenceNrAsync("old"));
        await Assert.ThrowsAsync<SequenceConflictException>(() => _engine.EnqueueAsync(Write("old", [2])));
        await _engine.EnqueueAsync(Write("old", [3]));
        var replayed = new List<long>();
        await _engine.QueryEventsAsync("old", 1, long.MaxValue, long.MaxValue, e => replayed.Add(e.SequenceNr));
        Assert.Equal([1, 2, 3], replayed);
    }

    [Fact]
    public async Task A_failed_move_is_reported_and_leaves_every_event_readable_and_the_next_move_takes_them()
    {
        await MoveAfterRowsAsync(3);
        var failures = new List<Exception>();
        _engine.UpkeepFailed += failures.Add;
        Execute("CREATE TRIGGER no_moves BEFORE INSERT ON event_journal BEGIN SELECT RAISE(ABORT, 'injected'); END");
        await _engine.EnqueueAsync(Write("fm", [1, 2, 3]));
        await _engine.EnqueueAsync(Write("fm", [4]));   // after the failed move

        var failure = Assert.Single(failures);
        Assert.Contains("injected", failure.InnerException!.Message);
        Assert.Equal(0, _engine.RecentMoves);
        Assert.Equal(4L, Scalar("SELECT count(*) FROM event_recent"));
        var replayed = new List<long>();
        await _engine.QueryEventsAsync("fm", 1, long.MaxValue, long.MaxValue, e => replayed.Add(e.SequenceNr));
        Assert.Equal([1, 2, 3, 4], replayed);

        Execute("DROP TRIGGER no_moves");
        await _engine.EnqueueAsync(Write("fm", [5, 6]));
        await _engine.EnqueueAsync(Write("fm", [7]));   // after the move that followed the three rows more
        Assert.Equal(1, _engine.RecentMoves);
        Assert.Equal(6L, Scalar("SELECT count(*) FROM event_journal"));
        replayed.Clear();
        await _engine.QueryEventsAsync("fm", 1, long.MaxValue, long.MaxValue, e => replayed.Add(e.SequenceNr));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], replayed);
    }

    private object? Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task A_new_database_records_each_migration_once()
    {
        Assert.Equal(SqliteEngine.Migrations[^1].Version, _engine.SchemaVersion);
        await using (var again = new SqliteEngine(Settings(DatabasePath), TimeProvider.System))
            await again.OpenAsync();

        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT group_concat(version || ':' || name, '|') FROM migrations";
        Assert.Equal(string.Join("|", SqliteEngine.Migrations.Select(m => $"{m.Version}:{m.Name}")), command.ExecuteScalar());
    }

    [Fact]
    public async Task A_database_migrated_by_a_newer_build_is_refused()
    {
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO migrations(version, name, applied_at) VALUES (999, 'future', 'x')";
            command.ExecuteNonQuery();
        }
        await using var newer = new SqliteEngine(Settings(DatabasePath), TimeProvider.System);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => newer.OpenAsync());
        Assert.Contains("999", error.Message);
    }
}
