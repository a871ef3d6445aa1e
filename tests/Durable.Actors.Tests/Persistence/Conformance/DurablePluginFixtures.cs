using Akka.Hosting;
using Durable.Persistence;
using Durable.Persistence.Query;

namespace Durable.Actors.Tests.Persistence.Conformance;

/// <summary>Durable's own plugins (src/Durable.Actors/Persistence) on a fresh SQLite file.</summary>
public sealed class DurableSqlitePluginFixture : IPersistencePluginFixture
{
    private readonly FreshSqliteFile _file = new("durable-plugin-conformance-", "persistence.db");

    public string DatabasePath => _file.Path;

    /// <summary>Far below the default (8192), so the suite writes and reads across both event tables and a kill lands
    /// between and during moves (SqliteEngine.Recent.cs).</summary>
    private const int RecentRowsBeforeMove = 16;

    public void Configure(AkkaConfigurationBuilder builder) =>
        builder.WithDurableSqlitePersistence(DatabasePath, options => options.RecentRowsBeforeMove = RecentRowsBeforeMove);

    public string? QueryPluginId => DurableReadJournal.SqliteIdentifier;

    public IReadOnlyList<string> CrashChildArguments => ["durable", "sqlite", DatabasePath, RecentRowsBeforeMove.ToString()];

    public IReadOnlyDictionary<string, string> KnownLimitations { get; } = new Dictionary<string, string>();

    public Task InitializeAsync()
    {
        _file.Create();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _file.Delete();
        return Task.CompletedTask;
    }
}

/// <summary>Durable's own plugins on a fresh schema of the shared test server.</summary>
public sealed class DurablePostgresPluginFixture : IPersistencePluginFixture
{
    private readonly FreshPostgresSchema _schema = new("durable_");

    public string ConnectionString => _schema.ConnectionString;

    public void Configure(AkkaConfigurationBuilder builder) => builder.WithDurablePostgresPersistence(ConnectionString);

    public string? QueryPluginId => DurableReadJournal.PostgresIdentifier;

    public IReadOnlyList<string> CrashChildArguments => ["durable", "postgres", ConnectionString];

    public IReadOnlyDictionary<string, string> KnownLimitations { get; } = new Dictionary<string, string>();

    public Task InitializeAsync() => _schema.CreateAsync();

    public Task DisposeAsync() => _schema.DropAsync();
}
