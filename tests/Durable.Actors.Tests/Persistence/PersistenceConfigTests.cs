using Akka.Configuration;
using Durable.Persistence;

namespace Durable.Actors.Tests.Persistence;

/// <summary>persistence.conf is where the engine's defaults live (EngineSettings has none of its own): a plugin section
/// that names only its database gets every documented default.</summary>
public class PersistenceConfigTests
{
    [Theory]
    [InlineData(DurablePersistence.SqliteJournalPluginId, "path")]
    [InlineData(DurablePersistence.SqliteSnapshotStorePluginId, "path")]
    [InlineData(DurablePersistence.PostgresJournalPluginId, "connection-string")]
    [InlineData(DurablePersistence.PostgresSnapshotStorePluginId, "connection-string")]
    public void A_section_naming_only_its_database_gets_the_documented_defaults(string pluginId, string databaseKey)
    {
        var kind = pluginId.EndsWith("sqlite", StringComparison.Ordinal) ? EngineKind.Sqlite : EngineKind.Postgres;
        var section = ConfigurationFactory.ParseString($"{databaseKey} = \"Host=db;x.db\"");

        var settings = EngineSettings.From(section, kind, pluginId);

        Assert.Equal(2048, settings.MaxGroupEvents);
        Assert.Equal(4096, settings.RecoveryCacheEntries);
        Assert.Equal(256, settings.RecoveryCacheMaxEvents);
        Assert.Equal(256 * 1024, settings.RecoveryCacheMaxBytes);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.RecoveryCacheMaxAge);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.BusyTimeout);
    }

    [Fact]
    public void A_section_overrides_a_default_and_keeps_the_others()
    {
        var section = ConfigurationFactory.ParseString("path = \"x.db\"\nmax-group-events = 64");

        var settings = EngineSettings.From(section, EngineKind.Sqlite, DurablePersistence.SqliteJournalPluginId);

        Assert.Equal(64, settings.MaxGroupEvents);
        Assert.Equal(4096, settings.RecoveryCacheEntries);
    }

    [Theory]
    [InlineData(DurablePersistence.SqliteJournalPluginId)]
    [InlineData(DurablePersistence.PostgresJournalPluginId)]
    public void Journals_run_without_the_replay_filter(string pluginId) =>
        Assert.Equal("off", DurablePersistence.DefaultConfig().GetConfig(pluginId).GetString("replay-filter.mode"));
}
