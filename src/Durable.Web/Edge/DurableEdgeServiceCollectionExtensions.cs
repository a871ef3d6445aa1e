using Durable.Configuration;
using Durable.Web.Edge;
using Durable.Web.WebSockets;
using Durable.Web.WebSockets.Lean;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class DurableEdgeServiceCollectionExtensions
{
    /// <summary>
    /// The edge's settings (bound from <c>Durable:Edge</c>, then <paramref name="configure"/>, validated on start), its
    /// request metrics and the Prometheus exporter behind <c>/metrics</c>. Optional: <c>MapDurableObjects()</c> works
    /// with defaults and without <c>/metrics</c> when this is not called.
    /// </summary>
    public static IServiceCollection AddDurableEdge(this IServiceCollection services, Action<DurableEdgeOptions>? configure = null)
    {
        var options = services.AddOptions<DurableEdgeOptions>().BindDurableSection(DurableEdgeOptions.SectionName).ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DurableEdgeOptions>, DurableEdgeOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton<EdgeMetrics>();
        services.AddPrometheusMetrics();
        // Object routes and the Phoenix socket upgrade to WebSockets.
        services.TryAddEnumerable(ServiceDescriptor.Transient<Microsoft.AspNetCore.Hosting.IStartupFilter, WebSocketStartupFilter>());
        // Plain WebSocket upgrades of object routes are answered on the bare connection (Durable:WebSockets:LeanHandshake).
        // Endpoint defaults reach the endpoints bound from urls / configuration and Listen() calls made after this runs.
        services.TryAddSingleton<LeanHandshake>();
        services.AddOptions<KestrelServerOptions>().Configure<LeanHandshake>((kestrel, lean) =>
            kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => lean.Wrap(next, listen))));
        return services;
    }
}
