using System.Diagnostics.Metrics;
using Durable.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace Microsoft.Extensions.DependencyInjection;

public static class MetricsServiceCollectionExtensions
{
    /// <summary>Bucket upper bounds, in seconds, of latency histograms (unit "s") whose instrument advises none.</summary>
    internal static IReadOnlyList<double> LatencyBoundaries { get; } =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>
    /// Registers OpenTelemetry's Prometheus exporter behind <c>MapPrometheusMetrics</c>. Exported: the "Durable" meter
    /// as created by this host's <see cref="IMeterFactory"/> (another host in the same process, in tests or an app hosting
    /// two, exports its own), the .NET runtime's "System.Runtime" meter and the process's CPU, memory and threads.
    /// Calling it again changes nothing.
    /// </summary>
    public static IServiceCollection AddPrometheusMetrics(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(PrometheusMetricsRegistration))) return services;
        services.TryAddSingleton<PrometheusMetricsRegistration>();

        // Local scope: only meters made by this host's factory. The rule reaches OpenTelemetry through its
        // IMetricsListener; a meter named in AddMeter instead would be taken from every host in the process.
        services.AddMetrics(metrics => metrics.EnableMetrics(DurableMetrics.MeterName, null, "OpenTelemetry", MeterScope.Local));
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddRuntimeInstrumentation()
            .AddProcessInstrumentation()
            .AddView(instrument => instrument is Histogram<double> { Unit: "s", Advice: null }
                ? new ExplicitBucketHistogramConfiguration { Boundaries = [.. LatencyBoundaries] }
                : null)
            .AddPrometheusExporter(prometheus =>
            {
                // Series keep the labels their instruments give; no otel_scope_* labels, no target_info family.
                prometheus.ScopeInfoEnabled = false;
                prometheus.TargetInfoEnabled = false;
                // Every scrape reads the instruments now rather than answering a copy up to 300 ms old.
                prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
            }));
        return services;
    }

    /// <summary>Whether <see cref="AddPrometheusMetrics"/> registered the exporter in this container.</summary>
    internal static bool HasPrometheusMetrics(this IServiceProvider services) =>
        services.GetService(typeof(PrometheusMetricsRegistration)) is not null;

    /// <summary>Marks a container that <see cref="AddPrometheusMetrics"/> set up.</summary>
    private sealed class PrometheusMetricsRegistration;
}
