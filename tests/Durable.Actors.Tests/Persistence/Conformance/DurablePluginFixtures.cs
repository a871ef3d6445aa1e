using Akka.Hosting;
using Durable.Actors.Tests.Storage;
using Durable.Persistence;
using Durable.Persistence.Query;
using Npgsql;

namespace Durable.Actors.Tests.Persistence.Conformance;

/// <summary>Durable's own plugins (src/Durable.Actors/Persistence) on a fresh SQLite file.</summary>
public sealed class DurableSqlitePluginFixture : IPersistencePluginFixture
{
    private string _directory = "";

    public string DatabasePath => Path.Combine(_directory, "persistence.db");

    public void Configure(AkkaConfigurationBuilder builder) => builder.WithDurableSqlitePersistence(DatabasePath);

    public string? QueryPluginId => DurableReadJournal.SqliteIdentifier;

    public IReadOnlyList<string> CrashChildArguments => ["durable", "sqlite", DatabasePath];

    public IReadOnlyDictionary<string, string> KnownLimitations { get; } = new Dictionary<string, string>();

    public Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("durable-plugin-conformance-").FullName;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_directory.Length > 0) Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>Durable's own plugins on a fresh schema of the shared test server (<see cref="PostgresServer"/>).</summary>
public sealed class DurablePostgresPluginFixture : IPersistencePluginFixture
{
    private readonly string _schema = "durable_" + Guid.NewGuid().ToString("n")[..16];

    public string ConnectionString { get; private set; } = "";

    public void Configure(AkkaConfigurationBuilder builder) => builder.WithDurablePostgresPersistence(ConnectionString);

    public string? QueryPluginId => DurableReadJournal.PostgresIdentifier;

    public IReadOnlyList<string> CrashChildArguments => ["durable", "postgres", ConnectionString];

    public IReadOnlyDictionary<string, string> KnownLimitations { get; } = new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        await ExecuteAsync($"CREATE SCHEMA {_schema}");
        ConnectionString = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { SearchPath = _schema }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (ConnectionString.Length == 0) return;
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync($"DROP SCHEMA {_schema} CASCADE");
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
