using Durable.Configuration;
using Durable.Hosting;

namespace Durable.Web.Node;

public static class NodeEngineExtensions
{
    /// <summary>
    /// Hosts the objects as sharded persistent actors journaling through Durable's plugin on the database of
    /// <c>Durable:Storage:Provider</c> (Akka's in-memory journal for <c>memory</c>); a cluster (<c>Durable:Cluster:Enabled</c>)
    /// is an Akka cluster formed through PostgreSQL.
    /// </summary>
    public static DurableObjectsBuilder UseConfiguredEngine(this DurableObjectsBuilder builder, IConfiguration configuration)
    {
        // The akka { } section of the node's HOCON file (hocon/durable.conf) reaches the actor system as written.
        var settings = configuration.GetDurableHoconFile()?.Config;
        var postgres = ObjectJournal.Postgres();
        // A cluster journals to the PostgreSQL its nodes share (the options validator names a missing connection string).
        if (configuration.GetValue<bool>("Durable:Cluster:Enabled")) return builder.UseAkkaCluster(postgres, settings);
        var storage = new NodeStorageOptions();
        DurableSettingBinder.Bind(configuration, NodeStorageOptions.SectionName, storage);
        var journal = storage.Provider switch
        {
            NodeStorageProvider.Memory => null,
            NodeStorageProvider.Postgres => postgres,
            _ => ObjectJournal.Sqlite(),
        };
        return builder.UseAkkaObjects(journal, settings);
    }
}
