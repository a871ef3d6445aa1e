using System.Collections.Concurrent;
using Durable.Storage.Journal;
using Microsoft.Data.Sqlite;

namespace Durable.Storage.Sqlite;

public sealed partial class SqliteStorageProvider
{
    /// <summary>Idle tail readers kept for the next activations; a burst beyond this opens more and closes them after.</summary>
    internal static int MaxIdleTailReaders => Math.Max(4, 2 * Environment.ProcessorCount);

    private readonly ConcurrentBag<TailReader> _tailReaders = [];
    // Places in the set taken: counted before a reader goes in and after one comes out, so the set never holds more
    // than MaxIdleTailReaders however many readers come back at once (a check of the bag's count then an add did not).
    private int _idleSlots;
    private volatile bool _readersClosed;

    /// <summary>Tail readers open and idle now (for tests).</summary>
    internal int IdleTailReaders => _tailReaders.Count;

    private protected override async Task<(JournalRow? Snapshot, List<JournalRow> Events)> ReadTailAsync(
        ObjectKey key, long maxSeq, CancellationToken cancellationToken)
    {
        var tail = TryTakeIdle(out var idle) ? idle : new TailReader(OpenReader());
        (JournalRow? Snapshot, List<JournalRow> Events) rows;
        try
        {
            rows = await tail.ReadAsync(key, maxSeq, cancellationToken);
        }
        catch
        {
            // A reader that failed mid-query is not trusted with the next one.
            tail.Dispose();
            throw;
        }
        Return(tail);
        return rows;
    }

    private bool TryTakeIdle(out TailReader tail)
    {
        if (!_tailReaders.TryTake(out tail!)) return false;
        Interlocked.Decrement(ref _idleSlots);
        return true;
    }

    private void Return(TailReader tail)
    {
        if (_readersClosed)
        {
            tail.Dispose();
            return;
        }
        if (Interlocked.Increment(ref _idleSlots) > MaxIdleTailReaders)
        {
            Interlocked.Decrement(ref _idleSlots);
            tail.Dispose();
            return;
        }
        _tailReaders.Add(tail);
        // Closing raced the return: take back whatever is left.
        if (_readersClosed) CloseTailReaders();
    }

    private void CloseTailReaders()
    {
        _readersClosed = true;
        while (TryTakeIdle(out var tail)) tail.Dispose();
    }

    /// <summary>
    /// A reader connection with the recovery query prepared on it. Every activation runs that query; Microsoft.Data.Sqlite
    /// prepares a statement per command object, so a fresh command per activation parsed and planned the same SQL each
    /// time (SQLite's parser and planner were ~2 % of the node's CPU samples while activating new counters). Used by one caller at
    /// a time; between uses it holds no transaction, so it never keeps a checkpoint from finishing.
    /// </summary>
    private sealed class TailReader : IDisposable
    {
        private readonly SqliteConnection _connection;

        public TailReader(SqliteConnection connection)
        {
            _connection = connection;
            Query = connection.CreateCommand();
            Query.CommandText = TailQuery("$key", "$max");
            Key = Query.Parameters.Add("$key", SqliteType.Text);
            MaxSeq = Query.Parameters.Add("$max", SqliteType.Integer);
            Query.Prepare();
        }

        private SqliteCommand Query { get; }

        private SqliteParameter Key { get; }

        private SqliteParameter MaxSeq { get; }

        /// <summary>Runs the query and closes it before returning, so the reader can go back to the set: a query still
        /// open when another caller takes the connection is SQLite's "API misuse" (error 21).</summary>
        public async Task<(JournalRow? Snapshot, List<JournalRow> Events)> ReadAsync(
            ObjectKey key, long maxSeq, CancellationToken cancellationToken)
        {
            Key.Value = key.ToString();
            MaxSeq.Value = maxSeq;
            using var reader = Query.ExecuteReader();
            return await ReadTailAsync(reader, cancellationToken);
        }

        public void Dispose()
        {
            Query.Dispose();
            _connection.Dispose();
        }
    }
}
