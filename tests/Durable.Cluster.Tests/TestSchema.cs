using Npgsql;

namespace Durable.Cluster.Tests;

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
