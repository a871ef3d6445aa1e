using Akka.Hosting;
using Durable.Persistence;

namespace Durable.PersistenceBench;

/// <summary>Makes the named plugin the node's default journal and snapshot store on the row's storage, configured by
/// the same extensions a node uses.</summary>
internal static class Plugins
{
    public static void Configure(AkkaConfigurationBuilder builder, string plugin, BenchStore store)
    {
        switch (plugin, store.Database)
        {
            case ("durable", "sqlite"):
                builder.WithDurableSqlitePersistence(store.SqlitePath);
                break;
            case ("durable", "postgres"):
                builder.WithDurablePostgresPersistence(store.ConnectionString);
                break;
            case ("sql", _):
                builder.WithDurableSqlPersistence(new DurableSqlPersistenceOptions
                {
                    Database = store.Database == "sqlite" ? SqlPersistenceDatabase.Sqlite : SqlPersistenceDatabase.PostgreSql,
                    ConnectionString = store.ConnectionString,
                    HealthChecks = false,
                });
                break;
            case ("memory", _):
                // Akka's in-memory journal and snapshot store: what the actors, sharding and Ask cost with no storage
                // at all, the ceiling any plugin's row can reach.
                builder.AddHocon("""
                    akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
                    akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
                    """, HoconAddMode.Prepend);
                break;
            default:
                throw new ArgumentException($"unknown plugin '{plugin}' (durable, sql or memory)");
        }
    }
}
