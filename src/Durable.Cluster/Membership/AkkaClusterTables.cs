using Npgsql;

namespace Durable.Cluster.Membership;

/// <summary>
/// The tables of the cluster on Akka.NET: the members' Akka addresses (formation) and the leases (split brain resolver and
/// per-shard leases). Brought to the newest version by numbered migrations under a transaction-scoped advisory lock, so
/// nodes starting together migrate once.
/// </summary>
internal static class AkkaClusterTables
{
    private const long MigrationLock = 7262890601;

    // Formats are forever: a schema change is a new numbered migration appended here, never an edit of an old one.
    private static readonly (int Version, string Name, string Sql)[] Migrations =
    [
        (1, "akka members and leases", """
            CREATE TABLE durable_akka_members (
              address text COLLATE "C" NOT NULL PRIMARY KEY,
              registered_at timestamptz NOT NULL DEFAULT now(),
              expires_at timestamptz NOT NULL);
            CREATE TABLE durable_akka_leases (
              name text COLLATE "C" NOT NULL PRIMARY KEY,
              owner text COLLATE "C",
              expires_at timestamptz NOT NULL DEFAULT '-infinity',
              epoch bigint NOT NULL DEFAULT 0);
            CREATE INDEX durable_akka_leases_owner ON durable_akka_leases(owner);
            """),
    ];

    public static int NewestVersion => Migrations[^1].Version;

    /// <summary>Brings the tables to the newest version; returns it.</summary>
    public static async Task<int> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock({MigrationLock});
            CREATE TABLE IF NOT EXISTS durable_akka_schema_version (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        command.CommandText = "SELECT coalesce(max(version), 0) FROM durable_akka_schema_version";
        var current = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken));
        if (current > NewestVersion)
            throw new InvalidOperationException(
                $"The Akka cluster tables have schema version {current}, newer than this build knows ({NewestVersion}); refusing to start.");
        foreach (var (version, name, sql) in Migrations)
        {
            if (version <= current) continue;
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
            command.CommandText = "INSERT INTO durable_akka_schema_version(version, name) VALUES ($1, $2)";
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            await command.ExecuteNonQueryAsync(cancellationToken);
            command.Parameters.Clear();
            current = version;
        }
        await transaction.CommitAsync(cancellationToken);
        return current;
    }
}
