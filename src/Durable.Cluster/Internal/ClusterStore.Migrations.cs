using Npgsql;

namespace Durable.Cluster.Internal;

internal sealed partial class ClusterStore
{
    // Formats are forever: a schema change is a new numbered migration appended here, never an edit of an old one.
    private static readonly (int Version, string Name, string Sql)[] Migrations =
    [
        (1, "nodes, shard leases and cluster meta", """
            CREATE TABLE cluster_meta (
              name text COLLATE "C" NOT NULL PRIMARY KEY,
              value text NOT NULL);
            CREATE TABLE cluster_nodes (
              id text COLLATE "C" NOT NULL PRIMARY KEY,
              url text NOT NULL,
              started_at timestamptz NOT NULL,
              heartbeat timestamptz NOT NULL);
            CREATE TABLE shard_leases (
              shard int NOT NULL PRIMARY KEY,
              owner text COLLATE "C",
              epoch bigint NOT NULL DEFAULT 0,
              expires_at timestamptz NOT NULL DEFAULT '-infinity',
              handoff_to text COLLATE "C");
            CREATE INDEX shard_leases_owner ON shard_leases(owner);
            """),
    ];

    /// <summary>Brings the cluster tables to the newest version under a transaction-scoped advisory lock (nodes starting
    /// together migrate once); returns that version.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT pg_advisory_xact_lock(7262890513);
            CREATE TABLE IF NOT EXISTS cluster_schema_version (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        command.CommandText = "SELECT coalesce(max(version), 0) FROM cluster_schema_version";
        var current = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken));
        if (current > Migrations[^1].Version)
            throw new InvalidOperationException(
                $"The cluster tables have schema version {current}, newer than this build knows ({Migrations[^1].Version}); refusing to join.");
        foreach (var (version, name, sql) in Migrations)
        {
            if (version <= current) continue;
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
            command.CommandText = "INSERT INTO cluster_schema_version(version, name) VALUES ($1, $2)";
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
