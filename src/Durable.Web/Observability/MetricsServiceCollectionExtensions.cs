using Durable.Web.Observability;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the collector behind <c>MapPrometheusMetrics</c>, with options bound from <c>Durable:Metrics</c>
    /// and then <paramref name="configure"/>, validated at startup.
    /// </summary>
    public static IServiceCollection AddPrometheusMetrics(
        this IServiceCollection services, Action<PrometheusMetricsOptions>? configure = null)
    {
        var options = services.AddOptions<PrometheusMetricsOptions>().BindConfiguration("Durable:Metrics").ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(
            ServiceDescriptor.Singleton<IValidateOptions<PrometheusMetricsOptions>, PrometheusMetricsOptionsValidator>());
        // Only this host's meters: another host in the same process (tests, or an app hosting two) has its own.
        services.TryAddSingleton(sp => new MetricsCollector(
            sp.GetRequiredService<IOptions<PrometheusMetricsOptions>>().Value,
            sp.GetRequiredService<ILogger<MetricsCollector>>(),
            meterScope: sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        return services;
    }
}
