using Durable.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Web.Node;

public static class NodeClusterExtensions
{
    /// <summary>Joins the cluster when <c>Durable:Cluster:Enabled</c> is true (settings from <c>Durable:Cluster</c>; needs
    /// <c>Durable:Storage:Provider=postgres</c>).</summary>
    public static DurableObjectsBuilder UseConfiguredCluster(this DurableObjectsBuilder builder, IConfiguration configuration) =>
        configuration.GetValue<bool>("Durable:Cluster:Enabled") ? builder.AddCluster() : builder;
}
