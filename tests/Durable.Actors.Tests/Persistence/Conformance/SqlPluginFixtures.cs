using Akka.Hosting;
using Durable.Actors.Tests.Storage;
using Durable.Persistence;
using Npgsql;

namespace Durable.Actors.Tests.Persistence.Conformance;

/// <summary>Akka.Persistence.Sql through <see cref="SqlPersistenceHostingExtensions.WithDurableSqlPersistence"/>.</summary>
public abstract class SqlPluginFixture : IPersistencePluginFixture
{
    protected abstract SqlPersistenceDatabase Database { get; }

    /// <summary>Set by <see cref="InitializeAsync"/> to this fixture's fresh database.</summary>
    public string ConnectionString { get; protected set; } = "";

    public void Configure(AkkaConfigurationBuilder builder) =>
        builder.WithDurableSqlPersistence(new DurableSqlPersistenceOptions { Database = Database, ConnectionString = ConnectionString });

    public string? QueryPluginId => "akka.persistence.query.journal.sql";

    public IReadOnlyList<string> CrashChildArguments => ["sql", Database.ToString(), ConnectionString];

    public virtual IReadOnlyDictionary<string, string> KnownLimitations { get; } = new Dictionary<string, string>();

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();
}

/// <summary>A fresh SQLite file in its own temporary directory.</summary>
public sealed class SqlSqlitePluginFixture : SqlPluginFixture
{
    private string _directory = "";

    protected override SqlPersistenceDatabase Database => SqlPersistenceDatabase.Sqlite;

    public override Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("durable-sql-conformance-").FullName;
        ConnectionString = $"Data Source={Path.Combine(_directory, "journal.db")}";
        return Task.CompletedTask;
    }

    public override Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_directory.Length > 0) Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>A fresh schema on the shared test server (<see cref="PostgresServer"/>), dropped at the end.</summary>
public sealed class SqlPostgresPluginFixture : SqlPluginFixture
{
    private readonly string _schema = "akka_" + Guid.NewGuid().ToString("n")[..16];

    protected override SqlPersistenceDatabase Database => SqlPersistenceDatabase.PostgreSql;

    public override async Task InitializeAsync()
    {
        await ExecuteAsync($"CREATE SCHEMA {_schema}");
        ConnectionString = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { SearchPath = _schema }.ConnectionString;
    }

    public override async Task DisposeAsync()
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
