using Durable;
using Durable.Cluster.Membership;
using Durable.Internal;
using Durable.Hosting;
using Durable.Web.Edge;
using Durable.Web.WebSockets;
using Durable.Web.WebSockets.Phoenix;
using Microsoft.Extensions.Hosting;
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
    /// <c>POST /ns/{namespace}/ids</c>, <c>GET /socket/websocket</c> (Phoenix channels), <c>GET /healthz</c>, and <c>GET /metrics</c> when
    /// <c>services.AddPrometheusMetrics()</c> (or <c>AddDurableEdge()</c>) registered the exporter.
    /// </summary>
    public static RouteGroupBuilder MapDurableObjects(this IEndpointRouteBuilder endpoints, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var runtime = services.GetService<ObjectRuntime>()
            ?? throw new InvalidOperationException("MapDurableObjects() needs services.AddDurableObjects(...) to be called first.");
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var socketOptions = services.GetRequiredService<IOptions<DurableWebSocketOptions>>().Value;
        var clients = new ClientSockets(runtime.Time);
        var webSockets = new WebSocketEdge(runtime, socketOptions, loggers.CreateLogger("Durable.WebSockets"), clients);
        var phoenix = new PhoenixEndpoint(runtime, services.GetRequiredService<DurableObjectNamespaces>(), webSockets, loggers.CreateLogger("Durable.Phoenix"));
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        // Before the server stops: sockets would otherwise hold the shutdown until its timeout and then be cut (1006).
        lifetime.ApplicationStopping.Register(webSockets.GoAway);
        lifetime.ApplicationStopped.Register(phoenix.Dispose);
        var edge = new ObjectEdge(
            runtime,
            services.GetRequiredService<DurableObjectNamespaces>(),
            services.GetRequiredService<IOptions<DurableEdgeOptions>>().Value,
            services.GetService<EdgeMetrics>() ?? new EdgeMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            webSockets,
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Durable.Edge"),
            services.GetService<ClusterView>() is { } view ? ct => view.IsReadyAsync(ClusterStatus.AskTimeout, ct) : null);

        var group = endpoints.MapGroup(prefix);
        group.Map("/ns/{namespace}/name/{name}/{**path}", context => edge.FetchAsync(context, ObjectAddressKind.Name));
        group.Map("/ns/{namespace}/id/{id}/{**path}", context => edge.FetchAsync(context, ObjectAddressKind.Id));
        group.Map("/ns/{namespace}/ids", edge.NewIdAsync);
        group.Map("/ns/{**rest}", edge.MalformedAsync);
        group.Map("/socket/websocket", phoenix.HandleAsync);
        group.MapGet("/healthz", edge.HealthAsync);
        if (services.GetService<ClusterView>() is { } cluster)
            group.MapGet("/cluster", context => ClusterStatus.WriteAsync(context, cluster));
        if (services.HasPrometheusMetrics()) group.MapPrometheusMetrics("/metrics");
        return group;
    }
}
