using Npgsql;
using NpgsqlTypes;

namespace Durable.Persistence;

internal sealed partial class PostgresEngine
{
    /// <summary>
    /// The events of consecutive writes in a group, inserted by one statement, where a statement per AtomicWrite cost the
    /// server a parse, bind and execute each (bench/README.md, "Group commits into a small table"). The rows go in the order
    /// the writes were queued; a place already taken (by a stored row or by an earlier row of the statement) or under a
    /// deletion is skipped, and the statement answers the ordinal of every row it stored, matched back on its payload
    /// (which carries the writer's id), so each AtomicWrite learns which of its rows went in. One that did not get all
    /// its places is a conflict: the rows it did get are deleted again (<see cref="TakeBackAsync"/>) before the commit.
    /// </summary>
    private sealed class InsertRun
    {
        private const string Sql = """
            WITH input AS (
              SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bytea[]) WITH ORDINALITY AS r(pid, seq, written, payload, n)),
            stored AS (
              INSERT INTO event_journal(persistence_id, seq, written, payload)
              SELECT pid, seq, written, payload FROM input
              WHERE NOT EXISTS (SELECT 1 FROM journal_metadata m WHERE m.persistence_id = input.pid AND m.deleted_to >= input.seq)
              ORDER BY n
              ON CONFLICT DO NOTHING
              RETURNING persistence_id, seq, payload)
            SELECT min(input.n) FROM stored
            JOIN input ON input.pid = stored.persistence_id AND input.seq = stored.seq AND input.payload = stored.payload
            GROUP BY stored.persistence_id, stored.seq
            """;

        private readonly List<(string PersistenceId, AtomicRows Write)> _writes = [];
        private readonly List<(string PersistenceId, StoredEvent Row)> _takeBack = [];

        public void Add(WriteEvents write)
        {
            foreach (var atomic in write.Writes)
            {
                atomic.Conflict = false;
                atomic.Inserted = 0;
                _writes.Add((write.PersistenceId, atomic));
            }
        }

        // One write alone (a lone object's next event): the plain insert, which costs the server less than the matching.
        private const string OneWriteSql = """
            INSERT INTO event_journal(persistence_id, seq, written, payload)
            SELECT $1, r.seq, r.written, r.payload FROM unnest($2::bigint[], $3::bigint[], $4::bytea[]) AS r(seq, written, payload)
            WHERE NOT EXISTS (SELECT 1 FROM journal_metadata m WHERE m.persistence_id = $1 AND m.deleted_to >= r.seq)
            ON CONFLICT DO NOTHING
            """;

        /// <summary>Inserts the writes added since the last flush, and sets each one's Inserted and Conflict.</summary>
        public async Task FlushAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
        {
            if (_writes.Count == 0) return;
            if (_writes.Count == 1)
            {
                await FlushOneAsync(connection, transaction);
                return;
            }
            var count = _writes.Sum(static w => w.Write.Rows.Length);
            var ids = new string[count];
            var seqs = new long[count];
            var written = new long[count];
            var payloads = new byte[count][];
            // The write each row belongs to, by the row's place in the arrays.
            var owners = new (string PersistenceId, AtomicRows Write, StoredEvent Row)[count];
            var i = 0;
            foreach (var (persistenceId, write) in _writes)
            foreach (var row in write.Rows)
            {
                (ids[i], seqs[i], written[i], payloads[i]) = (persistenceId, row.SequenceNr, row.Timestamp, row.Payload);
                owners[i++] = (persistenceId, write, row);
            }

            var stored = new bool[count];
            await using (var command = new NpgsqlCommand(Sql, connection, transaction))
            {
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = seqs });
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = written });
                command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = payloads });
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync()) stored[reader.GetInt64(0) - 1] = true;
            }

            for (var row = 0; row < count; row++)
                if (stored[row]) owners[row].Write.Inserted++;
            foreach (var (_, write) in _writes) write.Conflict = write.Inserted < write.Rows.Length;
            for (var row = 0; row < count; row++)
                if (stored[row] && owners[row].Write.Conflict) _takeBack.Add((owners[row].PersistenceId, owners[row].Row));
            _writes.Clear();
        }

        private async Task FlushOneAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
        {
            var (persistenceId, write) = _writes[0];
            await using (var command = new NpgsqlCommand(OneWriteSql, connection, transaction))
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId, NpgsqlDbType = NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = Array.ConvertAll(write.Rows, static r => r.SequenceNr) });
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = Array.ConvertAll(write.Rows, static r => r.Timestamp) });
                command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = Array.ConvertAll(write.Rows, static r => r.Payload) });
                write.Inserted = await command.ExecuteNonQueryAsync();
            }
            if (write.Inserted < write.Rows.Length)
            {
                write.Conflict = true;
                // Which rows went in is not known here; taking back all of them by payload deletes exactly those.
                if (write.Inserted > 0)
                    foreach (var row in write.Rows) _takeBack.Add((persistenceId, row));
            }
            _writes.Clear();
        }

        /// <summary>Deletes the rows that writes in conflict did get: they carry those writes' payloads, which another
        /// writer's rows at the same places do not.</summary>
        public async Task TakeBackAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
        {
            if (_takeBack.Count == 0) return;
            await using var command = new NpgsqlCommand("""
                DELETE FROM event_journal e USING unnest($1::text[], $2::bigint[], $3::bytea[]) AS r(pid, seq, payload)
                WHERE e.persistence_id = r.pid AND e.seq = r.seq AND e.payload = r.payload
                """, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = _takeBack.Select(t => t.PersistenceId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = _takeBack.Select(t => t.Row.SequenceNr).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = _takeBack.Select(t => t.Row.Payload).ToArray() });
            await command.ExecuteNonQueryAsync();
            _takeBack.Clear();
        }
    }
}
