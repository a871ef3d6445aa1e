using Npgsql;

namespace Durable.Storage.Postgres;

public sealed partial class PostgresStorageProvider
{
    // Formats are forever: a schema change is a new numbered migration appended here, never an edit of an old one.
    private static readonly (int Version, string Name, string Sql)[] Migrations =
    [
        (1, "journal, snapshots and meta", """
            CREATE TABLE journal (
              object_key text COLLATE "C" NOT NULL,
              seq bigint NOT NULL,
              time bigint NOT NULL,
              payload bytea NOT NULL,
              PRIMARY KEY (object_key, seq));
            CREATE TABLE snapshots (
              object_key text COLLATE "C" NOT NULL,
              seq bigint NOT NULL,
              time bigint NOT NULL,
              payload bytea NOT NULL,
              PRIMARY KEY (object_key, seq));
            CREATE TABLE meta (
              name text COLLATE "C" NOT NULL PRIMARY KEY,
              value bytea NOT NULL);
            """),
        (2, "alarm index", """
            CREATE TABLE alarms (
              object_key text COLLATE "C" NOT NULL PRIMARY KEY,
              due bigint NOT NULL);
            """),
    ];

    /// <summary>Brings the schema to the newest version under a transaction-scoped advisory lock (so two nodes starting
    /// together migrate once) and returns that version.</summary>
    private async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT pg_advisory_xact_lock(7262890511);
            CREATE TABLE IF NOT EXISTS schema_version (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        command.CommandText = "SELECT coalesce(max(version), 0) FROM schema_version";
        var current = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken));
        if (current > Migrations[^1].Version)
            throw new InvalidOperationException(
                $"The database {Location} has schema version {current}, newer than this build knows ({Migrations[^1].Version}); refusing to open it.");
        foreach (var (version, name, sql) in Migrations)
        {
            if (version <= current) continue;
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
            command.CommandText = "INSERT INTO schema_version(version, name) VALUES ($1, $2)";
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            await command.ExecuteNonQueryAsync(cancellationToken);
            command.Parameters.Clear();
            current = version;
            Log.Migrated(Logger, version, name);
        }
        await transaction.CommitAsync(cancellationToken);
        return current;
    }
}
