using System.Diagnostics.Metrics;
using Durable.Hosting;
using Durable.Storage;
using Durable.Storage.Journal;
using Durable.Storage.Postgres;
using Npgsql;

namespace Durable.Actors.Tests.Storage;

// Serialized with the crash tests: they restart the server other PostgreSQL tests use.
[Collection(PostgresServer.Collection)]
public sealed class PostgresStorageConformanceTests : JournalConformanceTests
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("n")[..16];
    private string _connectionString = "";

    public override async Task InitializeAsync()
    {
        var server = PostgresServer.ConnectionString;
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE SCHEMA {_schema}", connection);
        await command.ExecuteNonQueryAsync();
        _connectionString = new NpgsqlConnectionStringBuilder(server) { SearchPath = _schema }.ConnectionString;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_connectionString.Length == 0) return;
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA {_schema} CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }

    private protected override JournalStorageProvider NewJournalProvider(
        Action<JournalStorageOptions>? configure = null, TimeProvider? time = null, IMeterFactory? meters = null)
    {
        var options = new PostgresStorageOptions { ConnectionString = _connectionString };
        configure?.Invoke(options);
        return new PostgresStorageProvider(options, time, meters: meters);
    }

    private protected override Task OverwritePayloadAsync(JournalStorageProvider provider, ObjectKey key, long seq, byte[] payload, bool snapshot = false) =>
        ((PostgresStorageProvider)provider).OverwritePayloadAsync(key, seq, payload, snapshot);
}

/// <summary>Where the PostgreSQL tests find their server: <c>DURABLE_TEST_PG</c>, set by <c>scripts/postgres.sh</c>.</summary>
internal static class PostgresServer
{
    public const string Collection = "postgres server";

    public const string Variable = "DURABLE_TEST_PG";

    public static string ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException(
            $"{Variable} is not set, so the PostgreSQL tests have no server. Run `eval \"$(scripts/postgres.sh start)\"` from the " +
            "repository root (it installs PostgreSQL if needed, starts it on 127.0.0.1 and exports the variable), then run the tests again.");
}
