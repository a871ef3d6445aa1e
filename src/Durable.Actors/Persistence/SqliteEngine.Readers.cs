using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Durable.Persistence;

internal sealed partial class SqliteEngine
{
    /// <summary>Idle readers kept for the next reads; a burst beyond this opens more and closes them after.</summary>
    internal static int MaxIdleReaders => Math.Max(4, 2 * Environment.ProcessorCount);

    private readonly ConcurrentBag<Reader> _readers = [];
    // Places in the set, counted before a reader goes in, so a burst of returns cannot overfill it.
    private int _idleSlots;
    private volatile bool _readersClosed;

    /// <summary>Readers open and idle now (for tests).</summary>
    internal int IdleReaders => _readers.Count;

    /// <summary>How often SQLite recompiled the idle readers' statements after preparing them (for tests).</summary>
    internal int ReaderRecompilations => _readers.Sum(reader => reader.Recompilations);

    private const string HighestSql = $"""
        max(coalesce((SELECT max(seq) FROM event_journal WHERE pid = {KeyOfPid}), 0),
            coalesce((SELECT max(seq) FROM event_recent WHERE pid = {KeyOfPid}), 0),
            coalesce((SELECT deleted_to FROM journal_metadata WHERE pid = {KeyOfPid}), 0))
        """;

    // A persistence id's events are in event_journal and event_recent (see SqliteEngine.Recent.cs). Each read takes
    // both in one statement, so a move between the tables, which is one transaction, is seen whole or not at all;
    // ORDER BY on the compound select merges the two index-ordered halves, with no sort.

    // One statement sees one state of the database: the snapshot, the highest sequence number and the events after the
    // snapshot agree with each other however the writer commits around it. No LIMIT takes a bound parameter, here or in
    // the reads below: SQLite reads a LIMIT parameter's value while planning and then recompiles the statement whenever
    // it is bound again, which would parse and plan it on every read. The tail's bound is written into the SQL instead
    // (one statement per bound), and the other reads stop taking rows once they have enough.
    private static string RecoverySql(int limit) => $"""
        WITH snap AS (
          SELECT seq, created, payload FROM snapshot_store
          WHERE persistence_id = $pid AND seq <= $maxSeq AND created <= $maxCreated AND seq >= $minSeq AND created >= $minCreated
          ORDER BY seq DESC LIMIT 1)
        SELECT 0, seq, created, payload FROM snap
        UNION ALL
        SELECT 1, {HighestSql}, 0, NULL
        UNION ALL
        SELECT * FROM (
          SELECT * FROM (
            SELECT 2, seq, written, payload FROM event_journal
            WHERE pid = {KeyOfPid} AND seq > coalesce((SELECT seq FROM snap), 0)
            ORDER BY seq LIMIT {limit})
          UNION ALL
          SELECT * FROM (
            SELECT 2, seq, written, payload FROM event_recent
            WHERE pid = {KeyOfPid} AND seq > coalesce((SELECT seq FROM snap), 0)
            ORDER BY seq LIMIT {limit})
          ORDER BY 2 LIMIT {limit})
        """;

    protected override Task<RecoveryRead> ReadRecoveryAsync(string persistenceId, SnapshotBounds bounds, int maxEvents, long maxBytes) =>
        Task.FromResult(WithReader(reader => reader.Recovery(persistenceId, bounds, maxEvents, maxBytes)));

    protected override Task<long> ReadHighestCoreAsync(string persistenceId) =>
        Task.FromResult(WithReader(reader => reader.Highest(persistenceId)));

    protected override Task ReplayCoreAsync(string persistenceId, long from, long to, long max, Action<StoredEvent> replay)
    {
        WithReader(reader => reader.Replay(persistenceId, from, to, max, replay));
        return Task.CompletedTask;
    }

    protected override Task<List<string>> ReadPersistenceIdsCoreAsync(string? after, int limit) =>
        Task.FromResult(WithReader(reader => reader.PersistenceIds(after, limit)));

    private T WithReader<T>(Func<Reader, T> read)
    {
        var reader = TryTakeIdle(out var idle) ? idle : new Reader(OpenConnection(Sync.None));
        T result;
        try
        {
            CountReadStatement();
            result = read(reader);
        }
        catch
        {
            // A reader that failed mid-statement is not trusted with the next one.
            reader.Dispose();
            throw;
        }
        Return(reader);
        return result;
    }

    private bool TryTakeIdle(out Reader reader)
    {
        if (!_readers.TryTake(out reader!)) return false;
        Interlocked.Decrement(ref _idleSlots);
        return true;
    }

    private void Return(Reader reader)
    {
        if (_readersClosed || Interlocked.Increment(ref _idleSlots) > MaxIdleReaders)
        {
            if (!_readersClosed) Interlocked.Decrement(ref _idleSlots);
            reader.Dispose();
            return;
        }
        _readers.Add(reader);
        // Closing raced the return: take back whatever is left.
        if (_readersClosed) CloseReaders();
    }

    private void CloseReaders()
    {
        _readersClosed = true;
        while (TryTakeIdle(out var reader)) reader.Dispose();
    }

    /// <summary>
    /// A reader connection with its statements prepared once (Microsoft.Data.Sqlite prepares per command object, so a
    /// fresh command per read would parse and plan the same SQL every time). Used by one caller at a time; each statement
    /// is closed before the reader goes back, so it holds no read transaction that would keep a checkpoint from finishing.
    /// </summary>
    private sealed class Reader : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _highest;
        private readonly SqliteCommand _replay;
        private SqliteCommand? _recovery;
        private int _recoveryMaxEvents;
        private SqliteCommand? _persistenceIds;

        public Reader(SqliteConnection connection)
        {
            _connection = connection;
            _highest = Command($"SELECT {HighestSql}", ("$pid", SqliteType.Text));
            _replay = Command($"""
                SELECT seq, written, payload FROM event_journal WHERE pid = {KeyOfPid} AND seq >= $from AND seq <= $to
                UNION ALL
                SELECT seq, written, payload FROM event_recent WHERE pid = {KeyOfPid} AND seq >= $from AND seq <= $to
                ORDER BY 1
                """, ("$pid", SqliteType.Text), ("$from", SqliteType.Integer), ("$to", SqliteType.Integer));
        }

        public RecoveryRead Recovery(string persistenceId, SnapshotBounds bounds, int maxEvents, long maxBytes)
        {
            if (_recovery is null || _recoveryMaxEvents != maxEvents)
            {
                _recovery?.Dispose();
                // One event more than the bound: its presence says the tail was longer.
                _recovery = Command(RecoverySql(maxEvents + 1), ("$pid", SqliteType.Text), ("$maxSeq", SqliteType.Integer),
                    ("$maxCreated", SqliteType.Integer), ("$minSeq", SqliteType.Integer), ("$minCreated", SqliteType.Integer));
                _recoveryMaxEvents = maxEvents;
            }
            Bind(_recovery, persistenceId, bounds.MaxSequenceNr, bounds.MaxCreated, bounds.MinSequenceNr, bounds.MinCreated);
            var read = new RecoveryReadBuilder(maxEvents, maxBytes);
            using var rows = _recovery.ExecuteReader();
            while (rows.Read()) read.Add(rows);
            return read.Build();
        }

        public long Highest(string persistenceId)
        {
            Bind(_highest, persistenceId);
            return (long)_highest.ExecuteScalar()!;
        }

        public bool Replay(string persistenceId, long from, long to, long max, Action<StoredEvent> replay)
        {
            Bind(_replay, persistenceId, from, to);
            using var rows = _replay.ExecuteReader();
            for (long taken = 0; taken < max && rows.Read(); taken++)
                replay(new StoredEvent(rows.GetInt64(0), rows.GetInt64(1), rows.GetFieldValue<byte[]>(2)));
            return true;
        }

        public List<string> PersistenceIds(string? after, int limit)
        {
            _persistenceIds ??= Command("""
                SELECT persistence_id FROM journal_ids k WHERE persistence_id > $after
                  AND (EXISTS (SELECT 1 FROM event_journal WHERE pid = k.id) OR EXISTS (SELECT 1 FROM event_recent WHERE pid = k.id)
                    OR EXISTS (SELECT 1 FROM journal_metadata WHERE pid = k.id))
                ORDER BY persistence_id
                """, ("$after", SqliteType.Text));
            Bind(_persistenceIds, after ?? "");
            var ids = new List<string>();
            using var rows = _persistenceIds.ExecuteReader();
            while (ids.Count < limit && rows.Read()) ids.Add(rows.GetString(0));
            return ids;
        }

        /// <summary>Recompilations of this connection's statements (SQLite's SQLITE_STMTSTATUS_REPREPARE, summed).</summary>
        public int Recompilations
        {
            get
            {
                const int Reprepare = 5;
                var total = 0;
                for (var statement = raw.sqlite3_next_stmt(_connection.Handle, null); statement is not null;
                     statement = raw.sqlite3_next_stmt(_connection.Handle, statement))
                    total += raw.sqlite3_stmt_status(statement, Reprepare, 0);
                return total;
            }
        }

        private SqliteCommand Command(string sql, params (string Name, SqliteType Type)[] parameters)
        {
            var command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, type) in parameters) command.Parameters.Add(name, type);
            command.Prepare();
            return command;
        }

        private static void Bind(SqliteCommand command, string persistenceId, params long[] values)
        {
            command.Parameters[0].Value = persistenceId;
            for (var i = 0; i < values.Length; i++) command.Parameters[i + 1].Value = values[i];
        }

        public void Dispose()
        {
            _recovery?.Dispose();
            _highest.Dispose();
            _replay.Dispose();
            _persistenceIds?.Dispose();
            _connection.Dispose();
        }
    }
}
