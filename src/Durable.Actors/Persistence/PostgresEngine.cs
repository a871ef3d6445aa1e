using Durable.Storage.Postgres;
using Npgsql;
using NpgsqlTypes;

namespace Durable.Persistence;

/// <summary>
/// The engine on PostgreSQL, for clusters (same tables as SQLite; ids <c>COLLATE "C"</c>, ordered by bytes). A group
/// commit is one transaction, then the commit (one WAL flush): the events of the group's writes go in with one
/// statement (see <see cref="InsertRun"/>); an AtomicWrite that did not get all its places has its inserted rows
/// deleted again before the commit. Statements are auto-prepared by Npgsql; reads
/// come from the data source's pool, the recovery read in one statement.
/// </summary>
internal sealed partial class PostgresEngine : PersistenceEngine
{
    private const string HighestSql = """
        greatest(coalesce((SELECT max(seq) FROM event_journal WHERE persistence_id = $1), 0),
                 coalesce((SELECT deleted_to FROM journal_metadata WHERE persistence_id = $1), 0))
        """;

    private const string RecoverySql = $"""
        WITH snap AS (
          SELECT seq, created, payload FROM snapshot_store
          WHERE persistence_id = $1 AND seq <= $2 AND created <= $3 AND seq >= $4 AND created >= $5
          ORDER BY seq DESC LIMIT 1)
        SELECT 0, seq, created, payload FROM snap
        UNION ALL
        SELECT 1, {HighestSql}, 0, NULL
        UNION ALL
        (SELECT 2, seq, written, payload FROM event_journal
         WHERE persistence_id = $1 AND seq > coalesce((SELECT seq FROM snap), 0)
         ORDER BY seq LIMIT $6)
        """;

    /// <summary>How long the server lets a transaction of ours wait on this process between statements.</summary>
    private static readonly TimeSpan IdleInTransactionTimeout = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _dataSource;

    public PostgresEngine(EngineSettings settings, TimeProvider time) : base(settings, time)
    {
        var builder = new NpgsqlConnectionStringBuilder(
            PostgresSessions.WithIdleInTransactionTimeout(settings.Database, IdleInTransactionTimeout));
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 32;
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        Location = $"{builder.Host}:{builder.Port}/{builder.Database}";
    }

    private string Location { get; }

    internal int SchemaVersion { get; private set; }

    protected override async Task OpenStoreAsync() => SchemaVersion = await MigrateAsync();

    protected override async Task CommitGroupAsync(List<WriterOp> group)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var run = new InsertRun();
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            // In queue order: the writes between two other ops go in as one statement, each other op as its own.
            foreach (var op in group)
            {
                if (op is WriteEvents write)
                {
                    run.Add(write);
                    continue;
                }
                await run.FlushAsync(connection, transaction);
                batch.BatchCommands.Clear();
                foreach (var statement in StatementsOf(op)) batch.BatchCommands.Add(statement);
                await batch.ExecuteNonQueryAsync();
            }
        }
        await run.FlushAsync(connection, transaction);
        await run.TakeBackAsync(connection, transaction);
        await transaction.CommitAsync();
    }

    private static IEnumerable<NpgsqlBatchCommand> StatementsOf(WriterOp op)
    {
        switch (op)
        {
            case DeleteEvents delete:
                yield return Statement("""
                    INSERT INTO journal_metadata(persistence_id, deleted_to)
                    SELECT $1, least($2, max(seq)) FROM event_journal WHERE persistence_id = $1 HAVING count(*) > 0
                    ON CONFLICT (persistence_id) DO UPDATE SET deleted_to = greatest(journal_metadata.deleted_to, excluded.deleted_to)
                    """, delete.PersistenceId, delete.ToSequenceNr);
                yield return Statement(
                    "DELETE FROM event_journal WHERE persistence_id = $1 AND seq <= $2", delete.PersistenceId, delete.ToSequenceNr);
                break;
            case SaveSnapshot save:
                yield return Statement("""
                    INSERT INTO snapshot_store(persistence_id, seq, created, payload) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (persistence_id, seq) DO UPDATE SET created = excluded.created, payload = excluded.payload
                    """, save.PersistenceId, save.Snapshot.SequenceNr, save.Snapshot.Created, save.Snapshot.Payload);
                break;
            case DeleteSnapshot delete:
                yield return Statement(
                    "DELETE FROM snapshot_store WHERE persistence_id = $1 AND seq = $2 AND created <= $3",
                    delete.PersistenceId, delete.SequenceNr, delete.Created ?? long.MaxValue);
                break;
            case DeleteSnapshots delete:
                yield return Statement("""
                    DELETE FROM snapshot_store WHERE persistence_id = $1 AND seq <= $2 AND created <= $3 AND seq >= $4 AND created >= $5
                    """, delete.PersistenceId, delete.Bounds.MaxSequenceNr, delete.Bounds.MaxCreated,
                    delete.Bounds.MinSequenceNr, delete.Bounds.MinCreated);
                break;
            default:
                throw new InvalidOperationException($"The PostgreSQL engine has no statement for {op.GetType().Name}.");
        }
    }

    protected override async Task<RecoveryRead> ReadRecoveryAsync(string persistenceId, SnapshotBounds bounds, int maxEvents, long maxBytes)
    {
        CountReadStatement();
        await using var command = _dataSource.CreateCommand(RecoverySql);
        Bind(command.Parameters, persistenceId, bounds.MaxSequenceNr, bounds.MaxCreated, bounds.MinSequenceNr, bounds.MinCreated, maxEvents + 1L);
        await using var rows = await command.ExecuteReaderAsync();
        var read = new RecoveryReadBuilder(maxEvents, maxBytes);
        while (await rows.ReadAsync()) read.Add(rows);
        return read.Build();
    }

    protected override async Task<long> ReadHighestCoreAsync(string persistenceId)
    {
        CountReadStatement();
        await using var command = _dataSource.CreateCommand($"SELECT {HighestSql}");
        Bind(command.Parameters, persistenceId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    protected override async Task ReplayCoreAsync(string persistenceId, long from, long to, long max, Action<StoredEvent> replay)
    {
        CountReadStatement();
        await using var command = _dataSource.CreateCommand("""
            SELECT seq, written, payload FROM event_journal
            WHERE persistence_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq LIMIT $4
            """);
        Bind(command.Parameters, persistenceId, from, to, max);
        await using var rows = await command.ExecuteReaderAsync();
        while (await rows.ReadAsync()) replay(new StoredEvent(rows.GetInt64(0), rows.GetInt64(1), rows.GetFieldValue<byte[]>(2)));
    }

    protected override async Task<List<string>> ReadPersistenceIdsCoreAsync(string? after, int limit)
    {
        CountReadStatement();
        await using var command = _dataSource.CreateCommand("""
            SELECT persistence_id FROM event_journal WHERE persistence_id > $1
            UNION
            SELECT persistence_id FROM journal_metadata WHERE persistence_id > $1
            ORDER BY 1 LIMIT $2
            """);
        Bind(command.Parameters, after ?? "", (long)limit);
        var ids = new List<string>();
        await using var rows = await command.ExecuteReaderAsync();
        while (await rows.ReadAsync()) ids.Add(rows.GetString(0));
        return ids;
    }

    protected override ValueTask DisposeStoreAsync() => _dataSource.DisposeAsync();

    private static NpgsqlBatchCommand Statement(string sql, string persistenceId, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        Bind(command.Parameters, persistenceId, values);
        return command;
    }

    private static void Bind(NpgsqlParameterCollection parameters, string persistenceId, params object[] values)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId, NpgsqlDbType = NpgsqlDbType.Text });
        foreach (var value in values)
        {
            parameters.Add(value switch
            {
                long number => new NpgsqlParameter<long> { TypedValue = number },
                byte[] bytes => new NpgsqlParameter<byte[]> { TypedValue = bytes },
                long[] numbers => new NpgsqlParameter<long[]> { TypedValue = numbers },
                byte[][] blobs => new NpgsqlParameter<byte[][]> { TypedValue = blobs },
                _ => throw new ArgumentException($"No PostgreSQL parameter for a {value.GetType().Name}."),
            });
        }
    }
}
