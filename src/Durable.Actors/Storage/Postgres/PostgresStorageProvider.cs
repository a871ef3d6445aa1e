using System.Diagnostics.Metrics;
using Durable.Hosting;
using Durable.Storage.Journal;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Durable.Storage.Postgres;

/// <summary>
/// The journal in PostgreSQL, for clusters: the same schema as SQLite (object keys <c>COLLATE "C"</c>, so they order by
/// bytes). A group commit is one <see cref="NpgsqlBatch"/> sent in one round trip and run by the server as one implicit
/// transaction (one WAL flush); each insert is <c>ON CONFLICT DO NOTHING</c> and its own RecordsAffected says whether
/// it won. Every commit takes a fresh pooled connection, so a server restart fails only the group in flight.
/// </summary>
public sealed partial class PostgresStorageProvider : JournalStorageProvider
{
    private const string InsertSql = """
        INSERT INTO journal(object_key, seq, time, payload)
        SELECT $1, $2, $3, $4
        WHERE NOT EXISTS (SELECT 1 FROM snapshots WHERE object_key = $1 AND seq >= $2)
        ON CONFLICT DO NOTHING
        """;

    // The fence rides in the insert itself: the row goes in only while this node's lease of the object's shard is live
    // at the epoch the append carries, judged by the database's clock in the same transaction.
    private const string FencedInsertSql = """
        INSERT INTO journal(object_key, seq, time, payload)
        SELECT $1, $2, $3, $4
        WHERE NOT EXISTS (SELECT 1 FROM snapshots WHERE object_key = $1 AND seq >= $2)
          AND EXISTS (SELECT 1 FROM shard_leases WHERE shard = $5 AND owner = $6 AND epoch = $7 AND expires_at > now())
        ON CONFLICT DO NOTHING
        """;

    private const string LeaseValidSql =
        "SELECT EXISTS (SELECT 1 FROM shard_leases WHERE shard = $1 AND owner = $2 AND epoch = $3 AND expires_at > now())";

    // The alarm index changes only if this event's row is the one stored (same key, seq and payload): a conflicting
    // writer's row differs in payload, and an identical payload means an identical alarm anyway.
    private const string SetAlarmSql = """
        INSERT INTO alarms(object_key, due)
        SELECT $1, $5 WHERE EXISTS (SELECT 1 FROM journal WHERE object_key = $1 AND seq = $2 AND payload = $4)
        ON CONFLICT (object_key) DO UPDATE SET due = excluded.due
        """;

    private const string DeleteAlarmSql = """
        DELETE FROM alarms
        WHERE object_key = $1 AND EXISTS (SELECT 1 FROM journal WHERE object_key = $1 AND seq = $2 AND payload = $4)
        """;

    /// <summary>How long the server lets a transaction of ours wait on this process between statements (see
    /// <see cref="PostgresSessions"/>); a commit needs milliseconds.</summary>
    internal static readonly TimeSpan IdleInTransactionTimeout = TimeSpan.FromSeconds(2);

    private readonly NpgsqlDataSource _dataSource;

    public PostgresStorageProvider(
        PostgresStorageOptions options, TimeProvider? time = null, ILogger<PostgresStorageProvider>? logger = null, IJournalFence? fence = null,
        IMeterFactory? meters = null)
        : base(options, time, logger, fence, meters)
    {
        var builder = new NpgsqlConnectionStringBuilder(
            PostgresSessions.WithIdleInTransactionTimeout(options.ConnectionString, IdleInTransactionTimeout));
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 32;
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        Location = $"{builder.Host}:{builder.Port}/{builder.Database}";
    }

    private string Location { get; }

    private protected override async Task OpenStoreAsync(CancellationToken cancellationToken)
    {
        var version = await MigrateAsync(cancellationToken);
        Log.Opened(Logger, "postgres", Location, version);
    }

    private protected override async Task CommitGroupAsync(IReadOnlyList<PendingAppend> group, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        var inserts = new NpgsqlBatchCommand[group.Count];
        for (var i = 0; i < group.Count; i++)
        {
            var pending = group[i];
            var insert = pending.Fence is { } fence
                ? BindFence(Bind(new NpgsqlBatchCommand(FencedInsertSql), pending, withDue: false), fence)
                : Bind(new NpgsqlBatchCommand(InsertSql), pending, withDue: false);
            batch.BatchCommands.Add(inserts[i] = insert);
            if (pending.AlarmChanged)
                batch.BatchCommands.Add(Bind(new NpgsqlBatchCommand(pending.AlarmDue is null ? DeleteAlarmSql : SetAlarmSql), pending, withDue: true));
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        for (var i = 0; i < group.Count; i++) group[i].Inserted = inserts[i].RecordsAffected == 1;
        // Rare path: tell a fenced-out append from a sequence conflict. A lease never becomes valid again at the same
        // epoch, so a lease found invalid now was invalid when the insert ran, or the append lost both ways.
        foreach (var pending in group)
        {
            if (pending.Inserted || pending.Fence is not { } fence) continue;
            await using var check = new NpgsqlCommand(LeaseValidSql, connection);
            check.Parameters.Add(new NpgsqlParameter<int> { TypedValue = fence.Shard });
            check.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fence.Owner });
            check.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fence.Epoch });
            pending.Fenced = await check.ExecuteScalarAsync(cancellationToken) is false;
        }
    }

    private static NpgsqlBatchCommand Bind(NpgsqlBatchCommand command, PendingAppend pending, bool withDue)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = pending.KeyText, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = pending.Seq });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = pending.Time });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = pending.Payload });
        if (withDue && pending.AlarmDue is { } due) command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = due });
        return command;
    }

    private static NpgsqlBatchCommand BindFence(NpgsqlBatchCommand command, JournalFenceToken fence)
    {
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = fence.Shard });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fence.Owner, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fence.Epoch });
        return command;
    }

    private protected override async Task<List<(string Key, long Due)>> ReadAlarmsAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT object_key, due FROM alarms");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<(string, long)>();
        while (await reader.ReadAsync(cancellationToken)) rows.Add((reader.GetString(0), reader.GetInt64(1)));
        return rows;
    }

    private protected override async Task<(JournalRow? Snapshot, List<JournalRow> Events)> ReadTailAsync(
        ObjectKey key, long maxSeq, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(TailQuery("$1", "$2"));
        Bind(command, key, maxSeq);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadTailAsync(reader, cancellationToken);
    }

    private protected override async Task<JournalRow?> FindPositionCoreAsync(ObjectKey key, long maxTime, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT seq, time FROM (
              SELECT seq, time FROM journal WHERE object_key = $1 AND time <= $2
              UNION ALL
              SELECT seq, time FROM snapshots WHERE object_key = $1 AND time <= $2) AS positions
            ORDER BY seq DESC LIMIT 1
            """);
        Bind(command, key, maxTime);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new JournalRow(reader.GetInt64(0), reader.GetInt64(1), []) : null;
    }

    private protected override async Task<int> SaveSnapshotAsync(ObjectKey key, JournalRow snapshot, long horizon, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO snapshots(object_key, seq, time, payload) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", connection, transaction))
        {
            Bind(insert, key, snapshot.Seq);
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = snapshot.Time });
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = snapshot.Payload });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        int dropped;
        await using (var compact = new NpgsqlCommand("""
            WITH base AS (SELECT max(seq) AS seq FROM snapshots WHERE object_key = $1 AND time < $2),
                 events AS (DELETE FROM journal WHERE object_key = $1 AND seq <= (SELECT seq FROM base) RETURNING 1),
                 old AS (DELETE FROM snapshots WHERE object_key = $1 AND seq < (SELECT seq FROM base) RETURNING 1)
            SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM old)
            """, connection, transaction))
        {
            Bind(compact, key, horizon);
            dropped = Convert.ToInt32(await compact.ExecuteScalarAsync(cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
        return dropped;
    }

    public override async Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("""
            INSERT INTO meta(name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING;
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = create() });
        await command.ExecuteNonQueryAsync(cancellationToken);
        await using var select = _dataSource.CreateCommand("SELECT value FROM meta WHERE name = $1");
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return (byte[])(await select.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Overwrites a stored event's payload (for corruption tests).</summary>
    internal async Task OverwritePayloadAsync(ObjectKey key, long seq, byte[] payload, bool snapshot = false)
    {
        await using var command = _dataSource.CreateCommand(
            $"UPDATE {(snapshot ? "snapshots" : "journal")} SET payload = $3 WHERE object_key = $1 AND seq = $2");
        Bind(command, key, seq);
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = payload });
        if (await command.ExecuteNonQueryAsync() != 1) throw new InvalidOperationException($"Object {key} has no row at seq {seq}.");
    }

    private protected override ValueTask DisposeStoreAsync() => _dataSource.DisposeAsync();

    private static void Bind(NpgsqlCommand command, ObjectKey key, long value)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.ToString() });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = value });
    }

}
