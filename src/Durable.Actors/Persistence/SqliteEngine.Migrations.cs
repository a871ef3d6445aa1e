using Microsoft.Data.Sqlite;

namespace Durable.Persistence;

internal sealed partial class SqliteEngine
{
    // The event journal is a rowid table: a group commit appends its rows at the table's end, and only the small
    // (key, seq) index entries land among other objects' entries. Keyed by its primary key instead (WITHOUT ROWID),
    // every row with its payload goes among other objects' rows, and a commit dirties many more pages. A persistence id
    // is stored once, in journal_ids, and the journal and its deletions name it by that table's integer key: index
    // entries a fraction of the size, so a commit's events over many objects dirty fewer index pages. A key is never
    // reused: journal_ids rows are never deleted.
    // The small snapshot store keeps WITHOUT ROWID: a row lives in its primary key's b-tree, one b-tree instead of two.
    internal static readonly Migration[] Migrations =
    [
        new(1, "event journal, deletions and snapshot store", """
            CREATE TABLE journal_ids (
              id INTEGER PRIMARY KEY,
              persistence_id TEXT NOT NULL UNIQUE);
            CREATE TABLE event_journal (
              pid INTEGER NOT NULL,
              seq INTEGER NOT NULL,
              written INTEGER NOT NULL,
              payload BLOB NOT NULL,
              PRIMARY KEY (pid, seq));
            CREATE TABLE journal_metadata (
              pid INTEGER PRIMARY KEY,
              deleted_to INTEGER NOT NULL);
            CREATE TABLE snapshot_store (
              persistence_id TEXT NOT NULL,
              seq INTEGER NOT NULL,
              created INTEGER NOT NULL,
              payload BLOB NOT NULL,
              PRIMARY KEY (persistence_id, seq)) WITHOUT ROWID;
            """),
        // Where group commits write (see SqliteEngine.Recent.cs): a small table whose index fits in a few pages, moved
        // into event_journal in bulk.
        new(2, "recent events", """
            CREATE TABLE event_recent (
              pid INTEGER NOT NULL,
              seq INTEGER NOT NULL,
              written INTEGER NOT NULL,
              payload BLOB NOT NULL,
              PRIMARY KEY (pid, seq));
            """),
    ];

    /// <summary>The journal_ids key of the persistence id bound as <c>$pid</c> (NULL when it has none).</summary>
    private const string KeyOfPid = "(SELECT id FROM journal_ids WHERE persistence_id = $pid)";

    /// <summary>The sequence numbers of the persistence id bound as <c>$pid</c>, in both event tables.</summary>
    private const string EventsOfPid = $"""
        SELECT seq FROM event_journal WHERE pid = {KeyOfPid} UNION ALL SELECT seq FROM event_recent WHERE pid = {KeyOfPid}
        """;

    /// <summary>Applies the pending migrations in one IMMEDIATE transaction (two processes cannot both migrate) and
    /// returns the schema version.</summary>
    internal static int Migrate(SqliteConnection connection, IReadOnlyList<Migration> migrations, string database, TimeProvider time)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
            SELECT coalesce(max(version), 0) FROM migrations;
            """;
        var current = Convert.ToInt32(command.ExecuteScalar());
        foreach (var migration in Migration.After(current, migrations, database))
        {
            command.CommandText = migration.Sql + "\nINSERT INTO migrations(version, name, applied_at) VALUES ($v, $n, $at);";
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$v", migration.Version);
            command.Parameters.AddWithValue("$n", migration.Name);
            command.Parameters.AddWithValue("$at", time.GetUtcNow().ToString("O"));
            command.ExecuteNonQuery();
            current = migration.Version;
        }
        transaction.Commit();
        return current;
    }
}
