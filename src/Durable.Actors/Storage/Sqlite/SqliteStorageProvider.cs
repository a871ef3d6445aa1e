using System.Diagnostics.Metrics;
using Durable.Hosting;
using Durable.Storage.Journal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Durable.Storage.Sqlite;

/// <summary>
/// The embedded journal: one SQLite database file per node, in WAL mode with <c>synchronous=FULL</c>, so a commit is on
/// disk (WAL fsynced) before its append completes, and a crash at any point loses no acknowledged event and leaves no
/// transaction half applied. One writer connection runs the group commits (BEGIN IMMEDIATE, so a second process on
/// the same file waits for the lock rather than deadlocking); loads use pooled reader connections, which WAL lets run
/// beside the writer. WAL checkpoints run on a connection and thread of their own (see <see cref="SqliteCheckpointer"/>), so a
/// group commit does not wait for their copying; the writer's own checkpoint at <see cref="SqliteCheckpointer.WriterCheckpointPages"/>
/// still syncs the database file inside a commit (9–13 ms each under the 1,000-object increment load, by strace).
/// </summary>
public sealed partial class SqliteStorageProvider : JournalStorageProvider
{
    private readonly SqliteStorageOptions _options;
    private readonly string _connectionString;
    private SqliteConnection? _writer;
    private SqliteCheckpointer? _checkpointer;

    public SqliteStorageProvider(
        SqliteStorageOptions options, TimeProvider? time = null, ILogger<SqliteStorageProvider>? logger = null, IMeterFactory? meters = null)
        : base(options, time, logger, meters: meters)
    {
        _options = options;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.GetFullPath(options.Path),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = Math.Max(1, (int)options.BusyTimeout.TotalSeconds),
        }.ToString();
    }

    public string DatabasePath => Path.GetFullPath(_options.Path);

    /// <summary>Background WAL checkpoints completed since the store opened.</summary>
    internal int CheckpointsCompleted => _checkpointer?.Completed ?? 0;

    private protected override Task OpenStoreAsync(CancellationToken cancellationToken)
    {
        if (Path.GetDirectoryName(DatabasePath) is { Length: > 0 } directory) Directory.CreateDirectory(directory);
        _writer = Open();
        // A checkpoint inside the committing writer stalls every group behind it (copying 32 MiB of WAL there was the
        // p99 of durable writes), so the background checkpointer does the copying and the writer's own checkpoint only
        // finishes the last frames (and syncs the database file, the stall that is left); a WAL that a burst made larger
        // is cut back once emptied. Durability is unchanged: each commit still fsyncs the WAL.
        Execute(_writer, $"PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint={SqliteCheckpointer.WriterCheckpointPages}; " +
            $"PRAGMA journal_size_limit={SqliteCheckpointer.WalSizeLimitBytes}; PRAGMA cache_size=-16384;");
        var version = Migrate(_writer);
        _checkpointer = new SqliteCheckpointer(Open(), Logger);
        Log.Opened(Logger, "sqlite", DatabasePath, version);
        return Task.CompletedTask;
    }

    private protected override Task CommitGroupAsync(IReadOnlyList<PendingAppend> group, CancellationToken cancellationToken)
    {
        using var transaction = _writer!.BeginTransaction(deferred: false);
        var inserted = new HashSet<(string, long)>();
        for (var start = 0; start < group.Count; start += RowsPerInsert)
        {
            var rows = Math.Min(RowsPerInsert, group.Count - start);
            var insert = InsertCommand(rows);
            insert.Transaction = transaction;
            for (var i = 0; i < rows; i++)
            {
                var pending = group[start + i];
                insert.Parameters[i * 4].Value = pending.KeyText;
                insert.Parameters[i * 4 + 1].Value = pending.Seq;
                insert.Parameters[i * 4 + 2].Value = pending.Time;
                insert.Parameters[i * 4 + 3].Value = pending.Payload;
            }
            // RETURNING lists only the rows that were inserted, so conflicts stay per event.
            using var reader = insert.ExecuteReader();
            while (reader.Read()) inserted.Add((reader.GetString(0), reader.GetInt64(1)));
        }
        foreach (var pending in group)
        {
            pending.Inserted = inserted.Contains((pending.KeyText, pending.Seq));
            if (pending.Inserted && pending.AlarmChanged) UpdateAlarm(transaction, pending);
        }
        transaction.Commit();
        _checkpointer?.Committed();
        return Task.CompletedTask;
    }

    // The alarm index changes in the transaction of the event that changed the alarm, so the two never disagree.
    // Both statements are prepared once on the writer, as the inserts are.
    private SqliteCommand? _alarmUpsert;
    private SqliteCommand? _alarmDelete;

    private void UpdateAlarm(SqliteTransaction transaction, PendingAppend pending)
    {
        var command = pending.AlarmDue is null
            ? _alarmDelete ??= AlarmCommand("DELETE FROM alarms WHERE object_key = $key", withDue: false)
            : _alarmUpsert ??= AlarmCommand(
                "INSERT INTO alarms(object_key, due) VALUES ($key, $due) ON CONFLICT(object_key) DO UPDATE SET due = excluded.due", withDue: true);
        command.Transaction = transaction;
        command.Parameters[0].Value = pending.KeyText;
        if (pending.AlarmDue is { } due) command.Parameters[1].Value = due;
        command.ExecuteNonQuery();
    }

    private SqliteCommand AlarmCommand(string sql, bool withDue)
    {
        var command = _writer!.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add("$key", SqliteType.Text);
        if (withDue) command.Parameters.Add("$due", SqliteType.Integer);
        return command;
    }

    private protected override Task<List<(string Key, long Due)>> ReadAlarmsAsync(CancellationToken cancellationToken)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT object_key, due FROM alarms";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, long)>();
        while (reader.Read()) rows.Add((reader.GetString(0), reader.GetInt64(1)));
        return Task.FromResult(rows);
    }

    private const int RowsPerInsert = 64;
    private readonly Dictionary<int, SqliteCommand> _inserts = [];

    /// <summary>A prepared multi-row insert for <paramref name="rows"/> events (one per group size seen, at most 64).</summary>
    private SqliteCommand InsertCommand(int rows)
    {
        if (_inserts.TryGetValue(rows, out var command)) return command;
        command = _writer!.CreateCommand();
        var values = new System.Text.StringBuilder();
        for (var i = 0; i < rows; i++)
        {
            values.Append(i == 0 ? "" : ", ").Append($"($k{i}, $s{i}, $t{i}, $p{i})");
            command.Parameters.Add($"$k{i}", SqliteType.Text);
            command.Parameters.Add($"$s{i}", SqliteType.Integer);
            command.Parameters.Add($"$t{i}", SqliteType.Integer);
            command.Parameters.Add($"$p{i}", SqliteType.Blob);
        }
        // A row covered by a snapshot was committed too, even when compaction has since dropped it.
        command.CommandText = $"""
            INSERT OR IGNORE INTO journal(object_key, seq, time, payload)
            SELECT column1, column2, column3, column4 FROM (VALUES {values}) AS v
            WHERE NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.object_key = v.column1 AND s.seq >= v.column2)
            RETURNING object_key, seq
            """;
        _inserts[rows] = command;
        return command;
    }

    private protected override Task<JournalRow?> FindPositionCoreAsync(ObjectKey key, long maxTime, CancellationToken cancellationToken)
    {
        using var connection = OpenReader();
        using var command = Command(connection, """
            SELECT seq, time FROM (
              SELECT seq, time FROM journal WHERE object_key = $key AND time <= $max
              UNION ALL
              SELECT seq, time FROM snapshots WHERE object_key = $key AND time <= $max)
            ORDER BY seq DESC LIMIT 1
            """, key, maxTime);
        using var reader = command.ExecuteReader();
        return Task.FromResult<JournalRow?>(reader.Read() ? new JournalRow(reader.GetInt64(0), reader.GetInt64(1), []) : null);
    }

    private protected override Task<int> SaveSnapshotAsync(ObjectKey key, JournalRow snapshot, long horizon, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using (var insert = Command(connection,
            "INSERT OR IGNORE INTO snapshots(object_key, seq, time, payload) VALUES ($key, $seq, $time, $payload)", key, 0))
        {
            insert.Transaction = transaction;
            insert.Parameters.AddWithValue("$seq", snapshot.Seq);
            insert.Parameters.AddWithValue("$time", snapshot.Time);
            insert.Parameters.AddWithValue("$payload", snapshot.Payload);
            insert.ExecuteNonQuery();
        }
        int dropped;
        using (var compact = Command(connection, """
            DELETE FROM journal WHERE object_key = $key AND seq <= (
              SELECT max(seq) FROM snapshots WHERE object_key = $key AND time < $max);
            DELETE FROM snapshots WHERE object_key = $key AND seq < (
              SELECT max(seq) FROM snapshots WHERE object_key = $key AND time < $max);
            """, key, horizon))
        {
            compact.Transaction = transaction;
            dropped = compact.ExecuteNonQuery();
        }
        transaction.Commit();
        return Task.FromResult(dropped);
    }

    public override Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT OR IGNORE INTO meta(name, value) VALUES ($name, $value); SELECT value FROM meta WHERE name = $name;";
        insert.Parameters.AddWithValue("$name", name);
        insert.Parameters.AddWithValue("$value", create());
        var value = (byte[])insert.ExecuteScalar()!;
        transaction.Commit();
        return Task.FromResult(value);
    }

    /// <summary>Overwrites a stored event's payload (for corruption tests).</summary>
    internal void OverwritePayload(ObjectKey key, long seq, byte[] payload, bool snapshot = false)
    {
        using var connection = Open();
        using var command = Command(connection,
            $"UPDATE {(snapshot ? "snapshots" : "journal")} SET payload = $payload WHERE object_key = $key AND seq = $max", key, seq);
        command.Parameters.AddWithValue("$payload", payload);
        if (command.ExecuteNonQuery() != 1) throw new InvalidOperationException($"Object {key} has no row at seq {seq}.");
    }

    private protected override ValueTask DisposeStoreAsync()
    {
        _checkpointer?.Dispose();
        CloseTailReaders();
        foreach (var command in _inserts.Values) command.Dispose();
        _alarmUpsert?.Dispose();
        _alarmDelete?.Dispose();
        _writer?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A pooled connection for reads. It skips <see cref="Open"/>'s pragmas: a reader never syncs, and a busy
    /// database is waited out by the command timeout (<see cref="SqliteStorageOptions.BusyTimeout"/>), so the pragma
    /// statement every open used to run bought a reader nothing.</summary>
    private SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, $"PRAGMA synchronous=FULL; PRAGMA busy_timeout={(long)_options.BusyTimeout.TotalMilliseconds};");
        return connection;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, ObjectKey key, long max)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$key", key.ToString());
        command.Parameters.AddWithValue("$max", max);
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
