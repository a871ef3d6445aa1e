using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using LinqToDB;

namespace Durable.PersistenceBench;

/// <summary>Makes the named plugin the node's default journal and snapshot store on the row's storage.</summary>
internal static class Plugins
{
    public static void Configure(AkkaConfigurationBuilder builder, string plugin, BenchStore store)
    {
        switch (plugin)
        {
            case "sql":
                builder.WithSqlPersistence(store.ConnectionString,
                    store.Database == "sqlite" ? ProviderName.SQLiteMS : ProviderName.PostgreSQL15, autoInitialize: true);
                if (store.Database == "sqlite")
                    builder.AddHocon("akka.persistence.journal.sql.parallelism = 1", HoconAddMode.Prepend);
                break;
            default:
                throw new ArgumentException($"unknown plugin '{plugin}' (durable or sql)");
        }
    }
}
