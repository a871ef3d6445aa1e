using System.Globalization;
using System.Text;
using Akka.Hosting;

namespace Durable.Persistence;

/// <summary>Akka.Hosting verbs that make Durable's journal and snapshot store the default persistence plugins.</summary>
public static class DurablePersistenceHostingExtensions
{
    /// <summary>The journal and snapshot store on one SQLite file (<paramref name="path"/>, created if missing), as the
    /// default plugins (<c>akka.persistence.journal.durable-sqlite</c>, <c>akka.persistence.snapshot-store.durable-sqlite</c>)
    /// with their read journal at <c>akka.persistence.query.journal.durable-sqlite</c>.</summary>
    public static AkkaConfigurationBuilder WithDurableSqlitePersistence(
        this AkkaConfigurationBuilder builder, string path, Action<DurablePersistenceOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return With(builder, DurablePersistence.SqliteJournalPluginId, DurablePersistence.SqliteSnapshotStorePluginId,
            $"path = {Quote(Path.GetFullPath(path))}", configure);
    }

    /// <summary>The journal and snapshot store on PostgreSQL (an Npgsql connection string), as the default plugins
    /// (<c>akka.persistence.journal.durable-postgres</c>, <c>akka.persistence.snapshot-store.durable-postgres</c>) with
    /// their read journal at <c>akka.persistence.query.journal.durable-postgres</c>.</summary>
    public static AkkaConfigurationBuilder WithDurablePostgresPersistence(
        this AkkaConfigurationBuilder builder, string connectionString, Action<DurablePersistenceOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return With(builder, DurablePersistence.PostgresJournalPluginId, DurablePersistence.PostgresSnapshotStorePluginId,
            $"connection-string = {Quote(connectionString)}", configure);
    }

    private static AkkaConfigurationBuilder With(
        AkkaConfigurationBuilder builder, string journalId, string snapshotStoreId, string database, Action<DurablePersistenceOptions>? configure)
    {
        var options = new DurablePersistenceOptions();
        configure?.Invoke(options);
        var engine = new StringBuilder()
            .AppendLine(database)
            .AppendLine(CultureInfo.InvariantCulture, $"plugin-dispatcher = {Quote(options.PluginDispatcher)}")
            .AppendLine(CultureInfo.InvariantCulture, $"max-group-events = {options.MaxGroupEvents}")
            .AppendLine(CultureInfo.InvariantCulture, $"recovery-cache-entries = {options.RecoveryCacheEntries}")
            .AppendLine(CultureInfo.InvariantCulture, $"recovery-cache-max-events = {options.RecoveryCacheMaxEvents}")
            .AppendLine(CultureInfo.InvariantCulture, $"recovery-cache-max-bytes = {options.RecoveryCacheMaxBytes}")
            .AppendLine(CultureInfo.InvariantCulture, $"recovery-cache-max-age = {(long)options.RecoveryCacheMaxAge.TotalMilliseconds}ms")
            .AppendLine(CultureInfo.InvariantCulture, $"busy-timeout = {(long)options.BusyTimeout.TotalMilliseconds}ms")
            .AppendLine(CultureInfo.InvariantCulture, $"recent-rows-before-move = {options.RecentRowsBeforeMove}")
            .ToString();
        var hocon = $$"""
            akka.persistence.journal.plugin = "{{journalId}}"
            akka.persistence.snapshot-store.plugin = "{{snapshotStoreId}}"
            {{journalId}} {
            {{engine}}
            }
            {{snapshotStoreId}} {
            {{engine}}
            }
            """;
        builder.AddHocon(hocon, HoconAddMode.Prepend);
        return builder.AddHocon(DurablePersistence.DefaultConfig(), HoconAddMode.Append);
    }

    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
