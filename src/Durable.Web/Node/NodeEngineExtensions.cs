using Durable.Configuration;
using Durable.Hosting;
using Microsoft.Extensions.Options;

namespace Durable.Web.Node;

public static class NodeEngineExtensions
{
    /// <summary>
    /// Hosts the objects on the node's engine (<see cref="EngineOf"/>). On <c>akka</c> each object is a sharded
    /// persistent actor journaling through Durable's plugin on the configured database (Akka's in-memory journal for
    /// <c>memory</c>); a cluster (<c>Durable:Cluster:Enabled</c>) on akka is an Akka cluster formed through PostgreSQL.
    /// </summary>
    public static DurableObjectsBuilder UseConfiguredEngine(this DurableObjectsBuilder builder, IConfiguration configuration)
    {
        var engine = EngineOf(configuration);
        builder.Services.PostConfigure<DurableObjectsOptions>(o => o.Engine = engine);
        if (engine != ObjectEngine.Akka) return builder;
        // The akka { } section of the node's HOCON file (hocon/durable.conf) reaches the actor system as written.
        var settings = configuration.GetDurableHoconFile()?.Config;
        var postgres = ObjectJournal.Postgres(sp => sp.GetRequiredService<IOptions<PostgresStorageOptions>>().Value.ConnectionString);
        // A cluster journals to the PostgreSQL its nodes share (the options validator names a missing connection string).
        if (configuration.GetValue<bool>("Durable:Cluster:Enabled")) return builder.UseAkkaCluster(postgres, settings);
        var storage = new NodeStorageOptions();
        DurableSettingBinder.Bind(configuration, NodeStorageOptions.SectionName, storage);
        var journal = storage.Provider switch
        {
            NodeStorageProvider.Memory => null,
            NodeStorageProvider.Postgres => postgres,
            _ => ObjectJournal.Sqlite(sp => sp.GetRequiredService<IOptions<SqliteStorageOptions>>().Value.Path),
        };
        return builder.UseAkkaObjects(journal, settings);
    }

    /// <summary>The node's engine: a cluster's is Akka, a single node's <c>Durable:Objects:Engine</c>.</summary>
    public static ObjectEngine EngineOf(IConfiguration configuration)
    {
        if (configuration.GetValue<bool>("Durable:Cluster:Enabled")) return ObjectEngine.Akka;
        var objects = new DurableObjectsOptions();
        DurableSettingBinder.Bind(configuration, DurableObjectsOptions.SectionName, objects);
        return objects.Engine;
    }
}
