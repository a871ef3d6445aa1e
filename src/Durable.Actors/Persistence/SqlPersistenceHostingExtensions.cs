using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using LinqToDB;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Durable.Persistence;

/// <summary>Akka.Persistence.Sql as Durable's journal and snapshot store, chosen by <see cref="DurableSqlPersistenceOptions"/>.</summary>
public static class SqlPersistenceHostingExtensions
{
    /// <summary>
    /// Makes Akka.Persistence.Sql the default journal and snapshot store (plugin ids <c>akka.persistence.journal.sql</c>,
    /// <c>akka.persistence.snapshot-store.sql</c>, read journal <c>akka.persistence.query.journal.sql</c>), with the
    /// schema created on start. On SQLite the journal writes through one connection at a time, since SQLite has a single
    /// writer and concurrent writers only wait on its lock.
    /// Health checks (with <see cref="DurableSqlPersistenceOptions.HealthChecks"/>) are Akka.Persistence.Hosting's round
    /// trips to the journal and snapshot store. Sql.Hosting's connectivity checks are left out: Sql.Hosting 1.5.70 was built
    /// on linq2db 5 and its checks call <c>LinqToDB.Data.DataConnectionExtensions.ExecuteAsync</c>, which linq2db 6.5.1
    /// (the one Akka.Persistence.Sql 1.5.73 runs on) no longer has, so every run reports a TypeLoadException as Unhealthy.
    /// </summary>
    public static AkkaConfigurationBuilder WithDurableSqlPersistence(this AkkaConfigurationBuilder builder, DurableSqlPersistenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            throw new ArgumentException($"{nameof(DurableSqlPersistenceOptions)}.{nameof(options.ConnectionString)} is empty; the {options.Database} journal needs one.", nameof(options));
        var providerName = options.Database switch
        {
            SqlPersistenceDatabase.Sqlite => ProviderName.SQLiteMS,
            SqlPersistenceDatabase.PostgreSql => ProviderName.PostgreSQL15,
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Database,
                $"{nameof(DurableSqlPersistenceOptions)}.{nameof(options.Database)} must be Sqlite or PostgreSql."),
        };
        var journal = new SqlJournalOptions(isDefaultPlugin: true)
        {
            ConnectionString = options.ConnectionString,
            ProviderName = providerName,
            AutoInitialize = true,
        };
        var snapshots = new SqlSnapshotOptions(isDefaultPlugin: true)
        {
            ConnectionString = options.ConnectionString,
            ProviderName = providerName,
            AutoInitialize = true,
        };
        builder.WithSqlPersistence(journal, snapshots,
            journalBuilder =>
            {
                if (options.HealthChecks) journalBuilder.WithHealthCheck(HealthStatus.Unhealthy);
            },
            snapshotBuilder =>
            {
                if (options.HealthChecks) snapshotBuilder.WithHealthCheck(HealthStatus.Unhealthy);
            });
        if (options.Database == SqlPersistenceDatabase.Sqlite)
            builder.AddHocon($"{journal.PluginId}.parallelism = 1", HoconAddMode.Prepend);
        return builder;
    }
}
