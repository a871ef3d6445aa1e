using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

public static class MetricsEndpointExtensions
{
    /// <summary>
    /// Answers GET <paramref name="pattern"/> with every exported metric: Prometheus text format 0.0.4, or OpenMetrics
    /// when the scraper's Accept header asks for it.
    /// </summary>
    public static IEndpointConventionBuilder MapPrometheusMetrics(
        this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (!endpoints.ServiceProvider.HasPrometheusMetrics())
        {
            throw new InvalidOperationException(
                $"MapPrometheusMetrics(\"{pattern}\") needs services.AddPrometheusMetrics() to be called first.");
        }

        // The exporter resolves the meter provider here, so listening starts at startup, not at the first scrape.
        return endpoints.MapPrometheusScrapingEndpoint(pattern)
            .WithMetadata(new HttpMethodMetadata(["GET"]))
            .ExcludeFromDescription();
    }
}
