using Microsoft.Data.Sqlite;

namespace Durable.Storage.Sqlite;

public sealed partial class SqliteStorageProvider
{
    // Formats are forever: a schema change is a new numbered migration appended here, never an edit of an old one.
    private static readonly (int Version, string Name, string Sql)[] Migrations =
    [
        (1, "journal, snapshots and meta", """
            CREATE TABLE journal (
              object_key TEXT NOT NULL,
              seq INTEGER NOT NULL,
              time INTEGER NOT NULL,
              payload BLOB NOT NULL,
              PRIMARY KEY (object_key, seq));
            CREATE TABLE snapshots (
              object_key TEXT NOT NULL,
              seq INTEGER NOT NULL,
              time INTEGER NOT NULL,
              payload BLOB NOT NULL,
              PRIMARY KEY (object_key, seq));
            CREATE TABLE meta (
              name TEXT NOT NULL PRIMARY KEY,
              value BLOB NOT NULL);
            """),
        (2, "alarm index", """
            CREATE TABLE alarms (
              object_key TEXT NOT NULL PRIMARY KEY,
              due INTEGER NOT NULL);
            """),
    ];

    /// <summary>Brings the schema to the newest version in one IMMEDIATE transaction (so two processes cannot both
    /// migrate) and returns that version.</summary>
    private int Migrate(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
            SELECT coalesce(max(version), 0) FROM schema_version;
            """;
        var current = Convert.ToInt32(command.ExecuteScalar());
        if (current > Migrations[^1].Version)
            throw new InvalidOperationException(
                $"The database {DatabasePath} has schema version {current}, newer than this build knows ({Migrations[^1].Version}); refusing to open it.");
        foreach (var (version, name, sql) in Migrations)
        {
            if (version <= current) continue;
            command.CommandText = sql + "\nINSERT INTO schema_version(version, name, applied_at) VALUES ($v, $n, $at);";
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$v", version);
            command.Parameters.AddWithValue("$n", name);
            command.Parameters.AddWithValue("$at", Time.GetUtcNow().ToString("O"));
            command.ExecuteNonQuery();
            current = version;
            Log.Migrated(Logger, version, name);
        }
        transaction.Commit();
        return current;
    }
}
