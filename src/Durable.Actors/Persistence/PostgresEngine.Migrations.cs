using Npgsql;

namespace Durable.Persistence;

internal sealed partial class PostgresEngine
{
    internal static readonly Migration[] Migrations =
    [
        new(1, "event journal, deletions and snapshot store", """
            CREATE TABLE event_journal (
              persistence_id text COLLATE "C" NOT NULL,
              seq bigint NOT NULL,
              written bigint NOT NULL,
              payload bytea NOT NULL,
              PRIMARY KEY (persistence_id, seq));
            CREATE TABLE journal_metadata (
              persistence_id text COLLATE "C" NOT NULL PRIMARY KEY,
              deleted_to bigint NOT NULL);
            CREATE TABLE snapshot_store (
              persistence_id text COLLATE "C" NOT NULL,
              seq bigint NOT NULL,
              created bigint NOT NULL,
              payload bytea NOT NULL,
              PRIMARY KEY (persistence_id, seq));
            """),
    ];

    /// <summary>Applies the pending migrations under a transaction-scoped advisory lock (nodes starting together migrate
    /// once) and returns the schema version.</summary>
    private async Task<int> MigrateAsync()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("""
            SELECT pg_advisory_xact_lock(7262890512);
            CREATE TABLE IF NOT EXISTS migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
            """, connection, transaction);
        await command.ExecuteNonQueryAsync();
        command.CommandText = "SELECT coalesce(max(version), 0) FROM migrations";
        var current = Convert.ToInt32(await command.ExecuteScalarAsync());
        foreach (var migration in Migration.After(current, Migrations, Location))
        {
            command.CommandText = migration.Sql;
            await command.ExecuteNonQueryAsync();
            command.CommandText = "INSERT INTO migrations(version, name) VALUES ($1, $2)";
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = migration.Version });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.Name });
            await command.ExecuteNonQueryAsync();
            command.Parameters.Clear();
            current = migration.Version;
        }
        await transaction.CommitAsync();
        return current;
    }
}
