using Akka.Hosting;
using Durable.Persistence;

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
    private readonly FreshSqliteFile _file = new("durable-sql-conformance-", "journal.db");

    protected override SqlPersistenceDatabase Database => SqlPersistenceDatabase.Sqlite;

    public override Task InitializeAsync()
    {
        _file.Create();
        ConnectionString = $"Data Source={_file.Path}";
        return Task.CompletedTask;
    }

    public override Task DisposeAsync()
    {
        _file.Delete();
        return Task.CompletedTask;
    }
}

/// <summary>A fresh schema on the shared test server, dropped at the end.</summary>
public sealed class SqlPostgresPluginFixture : SqlPluginFixture
{
    private readonly FreshPostgresSchema _schema = new("akka_");

    protected override SqlPersistenceDatabase Database => SqlPersistenceDatabase.PostgreSql;

    public override async Task InitializeAsync()
    {
        await _schema.CreateAsync();
        ConnectionString = _schema.ConnectionString;
    }

    public override Task DisposeAsync() => _schema.DropAsync();
}
