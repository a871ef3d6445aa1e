using Durable.Configuration;
using Durable.Hosting;
using Microsoft.Extensions.Options;

namespace Durable.Web.Node;

public static class NodeEngineExtensions
{
    /// <summary>
    /// Hosts the objects on the engine named by <c>Durable:Objects:Engine</c>. On <c>akka</c> each object is a sharded
    /// persistent actor journaling through Durable's plugin on the configured database (Akka's in-memory journal for
    /// <c>memory</c>). A cluster (<c>Durable:Cluster:Enabled</c>) still runs on the classic engine until it moves onto
    /// Akka.Cluster.
    /// </summary>
    public static DurableObjectsBuilder UseConfiguredEngine(this DurableObjectsBuilder builder, IConfiguration configuration)
    {
        var objects = new DurableObjectsOptions();
        DurableSettingBinder.Bind(configuration, DurableObjectsOptions.SectionName, objects);
        if (objects.Engine != ObjectEngine.Akka) return builder;
        if (configuration.GetValue<bool>("Durable:Cluster:Enabled"))
        {
            builder.Services.PostConfigure<DurableObjectsOptions>(o => o.Engine = ObjectEngine.Classic);
            return builder;
        }
        var storage = new NodeStorageOptions();
        DurableSettingBinder.Bind(configuration, NodeStorageOptions.SectionName, storage);
        return builder.UseAkkaObjects(storage.Provider switch
        {
            NodeStorageProvider.Memory => null,
            NodeStorageProvider.Postgres => ObjectJournal.Postgres(sp => sp.GetRequiredService<IOptions<PostgresStorageOptions>>().Value.ConnectionString),
            _ => ObjectJournal.Sqlite(sp => sp.GetRequiredService<IOptions<SqliteStorageOptions>>().Value.Path),
        });
    }
}
