using Durable.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Durable.Persistence;

/// <summary>
/// The engine on one SQLite file per node: WAL mode with <c>synchronous=FULL</c>, so a commit's WAL is fsynced before
/// any change in it completes, and a crash loses no acknowledged change and leaves no transaction half applied. One
/// writer connection runs the group commits (BEGIN IMMEDIATE, so a second process on the file waits rather than
/// deadlocks) with statements prepared once; reads use a pool of reader connections with their statements prepared
/// (see <see cref="SqliteEngine.Reader"/>); WAL checkpoints run on their own thread (<see cref="SqliteCheckpointer"/>).
/// </summary>
internal sealed partial class SqliteEngine(EngineSettings settings, TimeProvider time) : PersistenceEngine(settings, time)
{
    private const int RowsPerInsert = 64;

    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = settings.Database,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = Math.Max(1, (int)settings.BusyTimeout.TotalSeconds),
    }.ToString();

    private SqliteConnection? _writer;
    private SqliteCheckpointer? _checkpointer;
    private readonly SqliteCommand?[] _inserts = new SqliteCommand?[RowsPerInsert + 1];
    private SqliteCommand? _deleteRow, _deleteEvents, _saveSnapshot, _deleteSnapshot, _deleteSnapshots;

    // The writer's per-group bookkeeping, reused: rows waiting for the next multi-row insert and the places it took.
    private readonly List<(AtomicRows Write, string PersistenceId)> _batch = [];
    private readonly HashSet<(string, long)> _inserted = [];
    private readonly List<long> _claimed = [];

    /// <summary>The schema version after opening.</summary>
    internal int SchemaVersion { get; private set; }

    protected override Task OpenStoreAsync()
    {
        if (Path.GetDirectoryName(Settings.Database) is { Length: > 0 } directory) Directory.CreateDirectory(directory);
        _writer = OpenConnection(writer: true);
        Execute(_writer, $"PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint={SqliteCheckpointer.WriterCheckpointPages}; " +
            $"PRAGMA journal_size_limit={SqliteCheckpointer.WalSizeLimitBytes}; PRAGMA cache_size=-16384;");
        SchemaVersion = Migrate(_writer, Migrations, Settings.Database, Time);
        _checkpointer = new SqliteCheckpointer(OpenConnection(writer: true), NullLogger.Instance);
        return Task.CompletedTask;
    }

    protected override Task CommitGroupAsync(List<WriterOp> group)
    {
        using var transaction = _writer!.BeginTransaction(deferred: false);
        try
        {
            foreach (var op in group)
            {
                if (op is WriteEvents write)
                {
                    foreach (var atomic in write.Writes)
                    {
                        atomic.Conflict = false;
                        atomic.Inserted = 0;
                        _batch.Add((atomic, write.PersistenceId));
                    }
                    continue;
                }
                FlushInserts(transaction);
                switch (op)
                {
                    case DeleteEvents delete:
                        Run(_deleteEvents ??= Prepare("""
                            INSERT INTO journal_metadata(persistence_id, deleted_to)
                            SELECT $pid, min($to, max(seq)) FROM event_journal WHERE persistence_id = $pid HAVING count(*) > 0
                            ON CONFLICT(persistence_id) DO UPDATE SET deleted_to = max(deleted_to, excluded.deleted_to);
                            DELETE FROM event_journal WHERE persistence_id = $pid AND seq <= $to;
                            """, ("$pid", SqliteType.Text), ("$to", SqliteType.Integer)), transaction, delete.PersistenceId, delete.ToSequenceNr);
                        break;
                    case SaveSnapshot save:
                        Run(_saveSnapshot ??= Prepare("""
                            INSERT INTO snapshot_store(persistence_id, seq, created, payload) VALUES ($pid, $seq, $created, $payload)
                            ON CONFLICT(persistence_id, seq) DO UPDATE SET created = excluded.created, payload = excluded.payload
                            """, ("$pid", SqliteType.Text), ("$seq", SqliteType.Integer), ("$created", SqliteType.Integer), ("$payload", SqliteType.Blob)),
                            transaction, save.PersistenceId, save.Snapshot.SequenceNr, save.Snapshot.Created, save.Snapshot.Payload);
                        break;
                    case DeleteSnapshot delete:
                        Run(_deleteSnapshot ??= Prepare(
                            "DELETE FROM snapshot_store WHERE persistence_id = $pid AND seq = $seq AND created <= $created",
                            ("$pid", SqliteType.Text), ("$seq", SqliteType.Integer), ("$created", SqliteType.Integer)),
                            transaction, delete.PersistenceId, delete.SequenceNr, delete.Created ?? long.MaxValue);
                        break;
                    case DeleteSnapshots delete:
                        Run(_deleteSnapshots ??= Prepare("""
                            DELETE FROM snapshot_store WHERE persistence_id = $pid
                              AND seq <= $maxSeq AND created <= $maxCreated AND seq >= $minSeq AND created >= $minCreated
                            """, ("$pid", SqliteType.Text), ("$maxSeq", SqliteType.Integer), ("$maxCreated", SqliteType.Integer),
                            ("$minSeq", SqliteType.Integer), ("$minCreated", SqliteType.Integer)),
                            transaction, delete.PersistenceId, delete.Bounds.MaxSequenceNr, delete.Bounds.MaxCreated,
                            delete.Bounds.MinSequenceNr, delete.Bounds.MinCreated);
                        break;
                    default:
                        throw new InvalidOperationException($"The SQLite engine has no statement for {op.GetType().Name}.");
                }
            }
            FlushInserts(transaction);
            transaction.Commit();
        }
        finally
        {
            _batch.Clear();
            _inserted.Clear();
        }
        _checkpointer?.Committed();
        return Task.CompletedTask;
    }

    /// <summary>Inserts the batched rows with multi-row INSERT OR IGNORE ... RETURNING (the places taken), then takes back
    /// the rows of every AtomicWrite that did not get all its places, so each one is stored whole or not at all.</summary>
    private void FlushInserts(SqliteTransaction transaction)
    {
        if (_batch.Count == 0) return;
        _inserted.Clear();
        var left = 0;
        foreach (var (write, _) in _batch) left += write.Rows.Length;
        var pending = 0;
        SqliteCommand? insert = null;
        foreach (var (write, persistenceId) in _batch)
        {
            foreach (var row in write.Rows)
            {
                if (pending == 0) insert = InsertCommand(Math.Min(RowsPerInsert, left));
                var parameters = insert!.Parameters;
                parameters[pending * 4].Value = persistenceId;
                parameters[pending * 4 + 1].Value = row.SequenceNr;
                parameters[pending * 4 + 2].Value = row.Timestamp;
                parameters[pending * 4 + 3].Value = row.Payload;
                left--;
                if (++pending < insert.Parameters.Count / 4) continue;
                Insert(insert, transaction);
                pending = 0;
            }
        }

        // SQLite inserts the rows in order, so a place two writes in the batch both asked for went to the first.
        foreach (var (write, persistenceId) in _batch)
        {
            _claimed.Clear();
            foreach (var row in write.Rows)
                if (_inserted.Remove((persistenceId, row.SequenceNr))) _claimed.Add(row.SequenceNr);
            write.Inserted = _claimed.Count;
            if (write.Inserted == write.Rows.Length) continue;
            write.Conflict = true;
            // Only the rows this write inserted go; the places it lost hold the other writer's rows.
            var delete = _deleteRow ??= Prepare("DELETE FROM event_journal WHERE persistence_id = $pid AND seq = $seq",
                ("$pid", SqliteType.Text), ("$seq", SqliteType.Integer));
            foreach (var seq in _claimed) Run(delete, transaction, persistenceId, seq);
        }
        _batch.Clear();
    }

    private void Insert(SqliteCommand insert, SqliteTransaction transaction)
    {
        insert.Transaction = transaction;
        using var reader = insert.ExecuteReader();
        while (reader.Read()) _inserted.Add((reader.GetString(0), reader.GetInt64(1)));
    }

    /// <summary>A prepared multi-row insert for <paramref name="rows"/> events (one per size seen, at most 64).</summary>
    private SqliteCommand InsertCommand(int rows)
    {
        if (_inserts[rows] is { } command) return command;
        command = _writer!.CreateCommand();
        var values = new System.Text.StringBuilder();
        for (var i = 0; i < rows; i++)
        {
            values.Append(i == 0 ? "" : ", ").Append($"($p{i}, $s{i}, $w{i}, $d{i})");
            command.Parameters.Add($"$p{i}", SqliteType.Text);
            command.Parameters.Add($"$s{i}", SqliteType.Integer);
            command.Parameters.Add($"$w{i}", SqliteType.Integer);
            command.Parameters.Add($"$d{i}", SqliteType.Blob);
        }
        // A place under a deletion was written before, even though its row is gone.
        command.CommandText = $"""
            INSERT OR IGNORE INTO event_journal(persistence_id, seq, written, payload)
            SELECT column1, column2, column3, column4 FROM (VALUES {values}) AS v
            WHERE NOT EXISTS (SELECT 1 FROM journal_metadata m WHERE m.persistence_id = v.column1 AND m.deleted_to >= v.column2)
            RETURNING persistence_id, seq
            """;
        command.Prepare();
        return _inserts[rows] = command;
    }

    private SqliteCommand Prepare(string sql, params (string Name, SqliteType Type)[] parameters)
    {
        var command = _writer!.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, type) in parameters) command.Parameters.Add(name, type);
        return command;
    }

    private static void Run(SqliteCommand command, SqliteTransaction transaction, params object[] values)
    {
        command.Transaction = transaction;
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i];
        command.ExecuteNonQuery();
    }

    protected override ValueTask DisposeStoreAsync()
    {
        _checkpointer?.Dispose();
        CloseReaders();
        foreach (var command in _inserts) command?.Dispose();
        _deleteRow?.Dispose();
        _deleteEvents?.Dispose();
        _saveSnapshot?.Dispose();
        _deleteSnapshot?.Dispose();
        _deleteSnapshots?.Dispose();
        _writer?.Dispose();
        return ValueTask.CompletedTask;
    }

    private SqliteConnection OpenConnection(bool writer)
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // A reader never syncs; a writer's commit is durable only with synchronous=FULL.
        Execute(connection, writer
            ? $"PRAGMA synchronous=FULL; PRAGMA busy_timeout={(long)Settings.BusyTimeout.TotalMilliseconds};"
            : $"PRAGMA busy_timeout={(long)Settings.BusyTimeout.TotalMilliseconds};");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
