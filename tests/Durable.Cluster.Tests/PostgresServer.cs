using Npgsql;

namespace Durable.Cluster.Tests;

/// <summary>Where the PostgreSQL tests find their server: <c>DURABLE_TEST_PG</c>, set by <c>scripts/postgres.sh</c>.</summary>
internal static class PostgresServer
{
    public const string Collection = "postgres server";

    public const string Variable = "DURABLE_TEST_PG";

    public static string ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException(
            $"{Variable} is not set, so the cluster tests have no PostgreSQL server. Run `eval \"$(scripts/postgres.sh start)\"` from the " +
            "repository root (it installs PostgreSQL if needed, starts it on 127.0.0.1 and exports the variable), then run the tests again.");
}

/// <summary>A fresh schema per test class: its own cluster (tables, leases, journal), dropped at the end.</summary>
public sealed class TestSchema : IAsyncLifetime
{
    private readonly string _name = "c_" + Guid.NewGuid().ToString("n")[..16];

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var server = PostgresServer.ConnectionString;
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE SCHEMA {_name}", connection);
        await command.ExecuteNonQueryAsync();
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { SearchPath = _name, MaxPoolSize = 20 }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (ConnectionString.Length == 0) return;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA {_name} CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
