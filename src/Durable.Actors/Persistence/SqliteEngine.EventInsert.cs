using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Durable.Persistence;

internal sealed partial class SqliteEngine
{
    /// <summary>
    /// The writer's one-row event insert, prepared once on the writer connection's own handle (so it runs in the
    /// writer's transaction) and bound by position. Microsoft.Data.Sqlite binds every parameter by name, a linear scan
    /// per parameter, and reads results through a data reader; one row per step needs neither, and
    /// <c>sqlite3_changes</c> says whether the row went in. It keeps the journal_ids keys it has looked up or created
    /// (bounded); <see cref="Forget"/> must be called when a transaction did not commit, since a key created in it is
    /// gone.
    /// </summary>
    private sealed class EventInsert : IDisposable
    {
        private const int Key = 1, Seq = 2, Written = 3, Payload = 4;
        private const int MaxKeys = 100_000;

        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _statement, _findKey, _addKey;
        private readonly Dictionary<string, long> _keys = new(StringComparer.Ordinal);

        public EventInsert(SqliteConnection connection)
        {
            _db = connection.Handle!;
            // Into event_recent (see SqliteEngine.Recent.cs), whose primary key refuses a place taken there; a place
            // taken in event_journal, or under a deletion (written before, even though its row is gone), is refused here.
            _statement = Prepare("""
                INSERT OR IGNORE INTO event_recent(pid, seq, written, payload)
                SELECT ?1, ?2, ?3, ?4
                WHERE NOT EXISTS (SELECT 1 FROM journal_metadata WHERE pid = ?1 AND deleted_to >= ?2)
                  AND NOT EXISTS (SELECT 1 FROM event_journal WHERE pid = ?1 AND seq = ?2)
                """);
            _findKey = Prepare("SELECT id FROM journal_ids WHERE persistence_id = ?1");
            _addKey = Prepare("INSERT INTO journal_ids(persistence_id) VALUES (?1)");
        }

        /// <summary>Drops the kept keys: the transaction that created some of them did not commit.</summary>
        public void Forget() => _keys.Clear();

        /// <summary>Inserts the row unless its place is taken or deleted; true when it went in.</summary>
        public bool Run(string persistenceId, in StoredEvent row)
        {
            try
            {
                Check(raw.sqlite3_bind_int64(_statement, Key, KeyOf(persistenceId)));
                Check(raw.sqlite3_bind_int64(_statement, Seq, row.SequenceNr));
                Check(raw.sqlite3_bind_int64(_statement, Written, row.Timestamp));
                // An empty span would bind NULL; a zero-length blob is what an empty payload is.
                Check(row.Payload.Length == 0
                    ? raw.sqlite3_bind_zeroblob(_statement, Payload, 0)
                    : raw.sqlite3_bind_blob(_statement, Payload, row.Payload));
                var rc = raw.sqlite3_step(_statement);
                if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _db);
                return raw.sqlite3_changes(_db) == 1;
            }
            finally
            {
                raw.sqlite3_reset(_statement);
            }
        }

        private long KeyOf(string persistenceId)
        {
            if (_keys.TryGetValue(persistenceId, out var key)) return key;
            if (_keys.Count >= MaxKeys) _keys.Clear();
            key = Step(_findKey, persistenceId) == raw.SQLITE_ROW
                ? raw.sqlite3_column_int64(_findKey, 0)
                : Added(persistenceId);
            raw.sqlite3_reset(_findKey);
            return _keys[persistenceId] = key;
        }

        private long Added(string persistenceId)
        {
            Step(_addKey, persistenceId);
            raw.sqlite3_reset(_addKey);
            return raw.sqlite3_last_insert_rowid(_db);
        }

        /// <summary>Binds the persistence id and steps once (the caller resets).</summary>
        private int Step(sqlite3_stmt statement, string persistenceId)
        {
            Check(raw.sqlite3_bind_text16(statement, 1, persistenceId.AsSpan()));
            var rc = raw.sqlite3_step(statement);
            if (rc != raw.SQLITE_ROW && rc != raw.SQLITE_DONE)
            {
                raw.sqlite3_reset(statement);
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
            return rc;
        }

        private sqlite3_stmt Prepare(string sql)
        {
            SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(_db, sql, out var statement), _db);
            return statement;
        }

        private void Check(int rc)
        {
            if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
        }

        public void Dispose()
        {
            _statement.Dispose();
            _findKey.Dispose();
            _addKey.Dispose();
        }
    }
}
