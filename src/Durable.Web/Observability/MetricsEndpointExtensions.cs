using Durable.Web.Observability;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

public static class MetricsEndpointExtensions
{
    /// <summary>Answers GET <paramref name="pattern"/> with every exported metric in Prometheus text format 0.0.4.</summary>
    public static IEndpointConventionBuilder MapPrometheusMetrics(
        this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        // Resolving now starts the listener at startup: measurements made before the first scrape would
        // otherwise be lost, and a missing AddPrometheusMetrics fails here rather than on the first scrape.
        var collector = endpoints.ServiceProvider.GetService(typeof(MetricsCollector)) as MetricsCollector
            ?? throw new InvalidOperationException(
                $"MapPrometheusMetrics(\"{pattern}\") needs services.AddPrometheusMetrics() to be called first.");

        return endpoints.MapGet(pattern, context =>
            Results.Text(PrometheusTextWriter.Write(collector.Collect()), PrometheusTextWriter.ContentType).ExecuteAsync(context))
            .ExcludeFromDescription();
    }
}
