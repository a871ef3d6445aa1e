using Durable.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Durable.Persistence;

/// <summary>
/// The engine on one SQLite file per node, in WAL mode. A commit's WAL is fsynced before any change in it completes, so
/// a crash or a power failure loses no acknowledged change and leaves no transaction half applied: the writer commits
/// with <c>synchronous=NORMAL</c> (the frames are written, not synced) and the engine's <see cref="CommitSyncer"/> then
/// fsyncs the WAL file on its own thread, completing the group's changes after it, while the writer commits the next
/// group; reads wait for the sync of what they may have seen. Everything else is as <c>synchronous=FULL</c>: a
/// checkpoint syncs the WAL before copying it and the database file after. Events go to a small table first and move
/// to the journal's in bulk (see SqliteEngine.Recent.cs). One writer connection runs the group commits
/// (BEGIN IMMEDIATE, so a second process on the file waits rather than deadlocks) with statements prepared once; reads
/// use a pool of reader connections with their statements prepared (see <see cref="SqliteEngine.Reader"/>); WAL
/// checkpoints run on their own thread (<see cref="SqliteCheckpointer"/>).
/// </summary>
internal sealed partial class SqliteEngine(EngineSettings settings, TimeProvider time) : PersistenceEngine(settings, time)
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = settings.Database,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = Math.Max(1, (int)settings.BusyTimeout.TotalSeconds),
    }.ToString();

    private SqliteConnection? _writer;
    // The WAL file, held open to fsync it (any descriptor of a file flushes all of it).
    private FileStream? _wal;
    private SqliteCheckpointer? _checkpointer;
    private EventInsert? _insert;
    private SqliteCommand? _deleteRow, _deleteEvents, _saveSnapshot, _deleteSnapshot, _deleteSnapshots;

    // The writer's per-group bookkeeping, reused: rows waiting to be inserted, the places one write took, and the rows
    // of failed writes to take back.
    private readonly List<(AtomicRows Write, string PersistenceId)> _batch = [];
    private readonly List<long> _claimed = [];
    private readonly List<(string PersistenceId, long Seq)> _takenBack = [];

    /// <summary>The schema version after opening.</summary>
    internal int SchemaVersion { get; private set; }

    protected override Task OpenStoreAsync()
    {
        if (Path.GetDirectoryName(Settings.Database) is { Length: > 0 } directory) Directory.CreateDirectory(directory);
        _writer = OpenConnection(Sync.AfterCommit);
        // The syncer's fsync of the WAL file is what makes a commit durable, so anything but WAL mode is refused.
        using (var command = _writer.CreateCommand())
        {
            command.CommandText = "PRAGMA journal_mode=WAL";
            if (command.ExecuteScalar() is not "wal")
                throw new InvalidOperationException($"The SQLite database {Settings.Database} cannot use WAL mode, which the Durable journal needs.");
        }
        Execute(_writer, $"PRAGMA wal_autocheckpoint={SqliteCheckpointer.WriterCheckpointPages}; " +
            $"PRAGMA journal_size_limit={SqliteCheckpointer.WalSizeLimitBytes}; PRAGMA cache_size=-16384;");
        SchemaVersion = Migrate(_writer, Migrations, Settings.Database, Time);
        OpenRecent();
        // The writer's transactions have opened (created) the WAL file; it lives as long as the writer's connection.
        _wal = new FileStream(Settings.Database + "-wal", FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        SyncCommitted();   // the migrations' commits
        _checkpointer = new SqliteCheckpointer(OpenConnection(Sync.Full), NullLogger.Instance);
        return Task.CompletedTask;
    }

    protected override bool SyncsAfterCommit => true;

    /// <summary>fsync of the WAL file: every frame written before it, so every commit returned before it, is on disk.</summary>
    protected override void SyncCommitted() => _wal!.Flush(flushToDisk: true);

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
                        Run(_deleteEvents ??= Prepare($"""
                            INSERT INTO journal_metadata(pid, deleted_to)
                            SELECT {KeyOfPid}, min($to, max(seq)) FROM ({EventsOfPid}) HAVING count(*) > 0
                            ON CONFLICT(pid) DO UPDATE SET deleted_to = max(deleted_to, excluded.deleted_to);
                            DELETE FROM event_journal WHERE pid = {KeyOfPid} AND seq <= $to;
                            DELETE FROM event_recent WHERE pid = {KeyOfPid} AND seq <= $to;
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
        catch
        {
            _insert?.Forget();
            throw;
        }
        finally
        {
            _batch.Clear();
            _takenBack.Clear();
        }
        _checkpointer?.Committed();
        return Task.CompletedTask;
    }

    /// <summary>Inserts the batched rows one by one, then takes back the rows of every AtomicWrite that did not get all
    /// its places, so each one is stored whole or not at all.</summary>
    private void FlushInserts(SqliteTransaction transaction)
    {
        if (_batch.Count == 0) return;
        var insert = _insert ??= new EventInsert(_writer!);
        foreach (var (write, persistenceId) in _batch)
        {
            _claimed.Clear();
            foreach (var row in write.Rows)
                if (insert.Run(persistenceId, row)) _claimed.Add(row.SequenceNr);
            write.Inserted = _claimed.Count;
            if (write.Inserted == write.Rows.Length)
            {
                _recentRows += write.Inserted;
                continue;
            }
            write.Conflict = true;
            foreach (var seq in _claimed) _takenBack.Add((persistenceId, seq));
        }

        // Only after every row was offered: a place two writes in the batch both asked for went to the first, even when
        // the first is taken back. Only the rows a failed write inserted go; the places it lost hold other writers' rows.
        if (_takenBack.Count > 0)
        {
            var delete = _deleteRow ??= Prepare($"DELETE FROM event_recent WHERE pid = {KeyOfPid} AND seq = $seq",
                ("$pid", SqliteType.Text), ("$seq", SqliteType.Integer));
            foreach (var (persistenceId, seq) in _takenBack) Run(delete, transaction, persistenceId, seq);
            _takenBack.Clear();
        }
        _batch.Clear();
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
        _insert?.Dispose();
        _wal?.Dispose();
        _deleteRow?.Dispose();
        _deleteEvents?.Dispose();
        _saveSnapshot?.Dispose();
        _deleteSnapshot?.Dispose();
        _deleteSnapshots?.Dispose();
        _move?.Dispose();
        _writer?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>How a connection's writes reach the disk.</summary>
    private enum Sync
    {
        /// <summary>A reader: it writes nothing.</summary>
        None,
        /// <summary>The group commits: <c>synchronous=NORMAL</c>, the WAL fsynced by <see cref="SyncCommitted"/> before
        /// anything in the commit completes.</summary>
        AfterCommit,
        /// <summary>The checkpointer: <c>synchronous=FULL</c>.</summary>
        Full,
    }

    private SqliteConnection OpenConnection(Sync sync)
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // Lets a reader list its statements (Reader.Recompilations); a reader prepares them once, so this costs nothing.
        if (sync == Sync.None) connection.Handle!.enable_sqlite3_next_stmt(true);
        var busy = $"PRAGMA busy_timeout={(long)Settings.BusyTimeout.TotalMilliseconds};";
        Execute(connection, sync switch
        {
            Sync.AfterCommit => "PRAGMA synchronous=NORMAL; " + busy,
            Sync.Full => "PRAGMA synchronous=FULL; " + busy,
            _ => busy,
        });
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
