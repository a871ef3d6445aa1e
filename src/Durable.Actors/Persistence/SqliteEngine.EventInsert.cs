using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Durable.Persistence;

internal sealed partial class SqliteEngine
{
    /// <summary>
    /// The writer's one-row event insert, prepared once on the writer connection's own handle (so it runs in the
    /// writer's transaction) and bound by position. Microsoft.Data.Sqlite binds every parameter by name, a linear scan
    /// per parameter, and reads results through a data reader; one row per step needs neither, and
    /// <c>sqlite3_changes</c> says whether the row went in.
    /// </summary>
    private sealed class EventInsert : IDisposable
    {
        private const int PersistenceId = 1, Seq = 2, Written = 3, Payload = 4;

        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _statement;

        public EventInsert(SqliteConnection connection)
        {
            _db = connection.Handle!;
            // A place under a deletion was written before, even though its row is gone.
            var rc = raw.sqlite3_prepare_v2(_db, """
                INSERT OR IGNORE INTO event_journal(persistence_id, seq, written, payload)
                SELECT ?1, ?2, ?3, ?4
                WHERE NOT EXISTS (SELECT 1 FROM journal_metadata WHERE persistence_id = ?1 AND deleted_to >= ?2)
                """, out _statement);
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        /// <summary>Inserts the row unless its place is taken or deleted; true when it went in.</summary>
        public bool Run(string persistenceId, in StoredEvent row)
        {
            try
            {
                Check(raw.sqlite3_bind_text16(_statement, PersistenceId, persistenceId.AsSpan()));
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

        private void Check(int rc)
        {
            if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
        }

        public void Dispose() => _statement.Dispose();
    }
}
