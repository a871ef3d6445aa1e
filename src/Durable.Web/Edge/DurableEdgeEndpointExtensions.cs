using Durable;
using Durable.Cluster.Internal;
using Durable.Internal;
using Durable.Web.Edge;
using Durable.Web.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

public static class DurableEdgeEndpointExtensions
{
    /// <summary>
    /// Serves the durable objects of <c>services.AddDurableObjects(...)</c> over HTTP:
    /// <c>/ns/{namespace}/name/{name}/{**path}</c>, <c>/ns/{namespace}/id/{id}/{**path}</c> (any method),
    /// <c>POST /ns/{namespace}/ids</c>, <c>GET /healthz</c>, and <c>GET /metrics</c> when
    /// <c>services.AddPrometheusMetrics()</c> (or <c>AddDurableEdge()</c>) registered the collector.
    /// </summary>
    public static RouteGroupBuilder MapDurableObjects(this IEndpointRouteBuilder endpoints, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var runtime = services.GetService<ObjectRuntime>()
            ?? throw new InvalidOperationException("MapDurableObjects() needs services.AddDurableObjects(...) to be called first.");
        var edge = new ObjectEdge(
            runtime,
            services.GetRequiredService<DurableObjectNamespaces>(),
            services.GetRequiredService<IOptions<DurableEdgeOptions>>().Value,
            services.GetService<EdgeMetrics>() ?? new EdgeMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Durable.Edge"),
            services.GetService<ClusterNode>() is { } cluster ? () => cluster.Secret : null);

        var group = endpoints.MapGroup(prefix);
        group.Map("/ns/{namespace}/name/{name}/{**path}", context => edge.FetchAsync(context, ObjectAddressKind.Name));
        group.Map("/ns/{namespace}/id/{id}/{**path}", context => edge.FetchAsync(context, ObjectAddressKind.Id));
        group.Map("/ns/{namespace}/ids", edge.NewIdAsync);
        group.Map("/ns/{**rest}", edge.MalformedAsync);
        group.MapGet("/healthz", edge.HealthAsync);
        if (services.GetService<ClusterNode>() is { } node)
        {
            group.Map(ObjectEdge.InternalPrefix + "/ns/{namespace}/id/{id}/{**path}", edge.InternalFetchAsync);
            group.MapGet("/cluster", context => ClusterStatus.WriteAsync(context, node));
        }
        if (services.GetService<MetricsCollector>() is not null) group.MapPrometheusMetrics("/metrics");
        return group;
    }
}
