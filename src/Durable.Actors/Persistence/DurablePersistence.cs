using Akka.Configuration;

namespace Durable.Persistence;

/// <summary>The plugins' configuration paths and their reference configuration (persistence.conf, embedded).</summary>
public static class DurablePersistence
{
    public const string SqliteJournalPluginId = "akka.persistence.journal.durable-sqlite";
    public const string SqliteSnapshotStorePluginId = "akka.persistence.snapshot-store.durable-sqlite";
    public const string PostgresJournalPluginId = "akka.persistence.journal.durable-postgres";
    public const string PostgresSnapshotStorePluginId = "akka.persistence.snapshot-store.durable-postgres";
    public const string SqliteReadJournalPluginId = "akka.persistence.query.journal.durable-sqlite";
    public const string PostgresReadJournalPluginId = "akka.persistence.query.journal.durable-postgres";

    private static readonly Lazy<Config> Reference = new(() =>
    {
        using var stream = typeof(DurablePersistence).Assembly.GetManifestResourceStream("Durable.Persistence.persistence.conf")
            ?? throw new InvalidOperationException("Durable.Actors lacks its embedded persistence.conf.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    });

    /// <summary>Every plugin section with its defaults; the plugins fall back to it, so it need not be added to a system's config.</summary>
    public static Config DefaultConfig() => Reference.Value;
}
