using Microsoft.Data.Sqlite;
using Npgsql;

namespace Durable.PersistenceBench;

/// <summary>Fresh storage for one row of the table: a new SQLite file, or a new PostgreSQL database.</summary>
internal sealed class BenchStore : IAsyncDisposable
{
    private readonly string? _directory;
    private readonly string? _adminConnectionString;
    private readonly string? _databaseName;

    private BenchStore(string database, string connectionString, string? directory, string? adminConnectionString, string? databaseName)
    {
        Database = database;
        ConnectionString = connectionString;
        _directory = directory;
        _adminConnectionString = adminConnectionString;
        _databaseName = databaseName;
    }

    /// <summary>"sqlite" or "postgres".</summary>
    public string Database { get; }

    /// <summary>An ADO.NET connection string for the store (for SQLite: <c>Data Source=file</c>).</summary>
    public string ConnectionString { get; }

    /// <summary>The SQLite file (SQLite only).</summary>
    public string SqlitePath => Path.Combine(_directory ?? throw new InvalidOperationException("not SQLite"), "bench.db");

    public static async Task<BenchStore> CreateAsync(string database, BenchOptions options)
    {
        switch (database)
        {
            case "sqlite":
            {
                var directory = Path.Combine(options.DataDirectory, Guid.NewGuid().ToString("N"));
                Directory.CreateDirectory(directory);
                return new BenchStore(database, $"Data Source={Path.Combine(directory, "bench.db")}", directory, null, null);
            }
            case "postgres":
            {
                var admin = Environment.GetEnvironmentVariable("DURABLE_TEST_PG")
                    ?? throw new InvalidOperationException("PostgreSQL rows need DURABLE_TEST_PG (eval \"$(scripts/postgres.sh start)\").");
                var name = "pbench_" + Guid.NewGuid().ToString("N")[..12];
                await using (var connection = new NpgsqlConnection(admin))
                {
                    await connection.OpenAsync();
                    await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                    await create.ExecuteNonQueryAsync();
                }
                var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
                return new BenchStore(database, connectionString, null, admin, name);
            }
            default:
                throw new ArgumentException($"unknown database '{database}' (sqlite or postgres)");
        }
    }

    /// <summary>Bytes the store's tables and indexes take (SQLite: the database's used pages after a checkpoint).</summary>
    public async Task<long> UsedBytesAsync()
    {
        if (Database == "sqlite")
        {
            await using var connection = new SqliteConnection($"Data Source={SqlitePath};Pooling=false");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE); SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count()), (SELECT page_size FROM pragma_page_size());";
            await using var reader = await command.ExecuteReaderAsync();
            await reader.NextResultAsync();
            await reader.ReadAsync();
            return reader.GetInt64(0) * reader.GetInt64(1);
        }
        NpgsqlConnection.ClearAllPools();
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
                "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')", connection);
            return Convert.ToInt64(await command.ExecuteScalarAsync());
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_directory is not null)
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
            return;
        }
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_databaseName} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
