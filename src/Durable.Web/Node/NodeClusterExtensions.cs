using Durable.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Web.Node;

public static class NodeClusterExtensions
{
    /// <summary>Joins the cluster when <c>Durable:Cluster:Enabled</c> is true (settings from <c>Durable:Cluster</c>; needs
    /// <c>Durable:Storage:Provider=postgres</c>).</summary>
    public static DurableObjectsBuilder UseConfiguredCluster(this DurableObjectsBuilder builder, IConfiguration configuration) =>
        // On the akka engine the cluster is Akka's (UseConfiguredEngine wires it); this verb adds the classic one only.
        configuration.GetValue<bool>("Durable:Cluster:Enabled") && NodeEngineExtensions.EngineOf(configuration) == ObjectEngine.Classic
            ? builder.AddCluster()
            : builder;
}
