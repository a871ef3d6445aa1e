using Durable.Internal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Durable.Storage.Sqlite;

/// <summary>
/// Copies the WAL back into the database file on a dedicated thread and connection, every
/// <see cref="CheckpointEveryCommits"/> group commits, so that the copying and the database file's fsync happen off
/// the commit path. The checkpoint is PASSIVE: it never takes the write lock, so commits go on while it runs (and
/// the writer's own checkpoint, finding the checkpointer busy, skips rather than waits). A failed checkpoint is
/// logged and retried at the next signal; the WAL grows until then, which costs disk, not data. Used by both SQLite
/// engines (the storage provider and the persistence plugin's).
/// </summary>
internal sealed partial class SqliteCheckpointer : IDisposable
{
    /// <summary>
    /// The writer's own checkpoint threshold (16 MiB of WAL). The background checkpointer has copied nearly every frame by
    /// then, so the writer's checkpoint copies only the last few; what it adds is that it runs between two commits, so it
    /// completes and lets the next commit start the WAL over, which a checkpoint racing the commits rarely does.
    /// </summary>
    internal const int WriterCheckpointPages = 4096;

    /// <summary>The size a WAL file is cut back to once a checkpoint has emptied it (64 MiB).</summary>
    internal const long WalSizeLimitBytes = 64L << 20;

    /// <summary>
    /// Group commits between two background checkpoints. Small checkpoints keep the database file's fsync short: a
    /// commit's WAL fsync waits behind it in the file system's journal. Increments over 1,000 objects (bench/README.md,
    /// "Session 6"): p99 8.0-9.1 ms every 8 commits against 11.7-13.4 every 32 and 14.8-17.1 every 128, at the same
    /// throughput within the machine's noise.
    /// </summary>
    internal const int CheckpointEveryCommits = 8;

    private readonly SqliteConnection _connection;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly Thread _thread;
    private int _commits;
    private int _completed;
    private volatile bool _stopping;

    public SqliteCheckpointer(SqliteConnection connection, ILogger logger)
    {
        _connection = connection;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "Durable SQLite checkpointer" };
        _thread.Start();
    }

    /// <summary>Checkpoints completed (for tests).</summary>
    public int Completed => Volatile.Read(ref _completed);

    /// <summary>Called by the writer after each commit (one thread: no interlock needed for the count).</summary>
    public void Committed()
    {
        if (++_commits < CheckpointEveryCommits) return;
        _commits = 0;
        Signal();
    }

    private void Signal()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // A checkpoint is already due; it will cover these commits too.
        }
    }

    private void Run()
    {
        while (true)
        {
            _signal.Wait();
            if (_stopping) return;
            try
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                using var reader = command.ExecuteReader();
                reader.Read();
                Interlocked.Increment(ref _completed);
                Log.Checkpointed(_logger, reader.GetInt64(1), reader.GetInt64(2));
            }
            catch (SqliteException error)
            {
                Log.CheckpointFailed(_logger, error);
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        Signal();
        _thread.Join();
        _connection.Dispose();
        _signal.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(LogEventIds.Checkpointed, LogLevel.Trace, "SQLite checkpoint: {WalFrames} frames in the WAL, {Copied} copied to the database")]
        public static partial void Checkpointed(ILogger logger, long walFrames, long copied);

        [LoggerMessage(LogEventIds.CheckpointFailed, LogLevel.Warning, "SQLite checkpoint failed; the WAL grows until the next one")]
        public static partial void CheckpointFailed(ILogger logger, Exception error);
    }
}
