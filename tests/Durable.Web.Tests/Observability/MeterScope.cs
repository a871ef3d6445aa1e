using System.Diagnostics.Metrics;
using Durable.Web.Observability;
using Microsoft.Extensions.Logging.Abstractions;

namespace Durable.Web.Tests.Observability;

/// <summary>A meter with a name no other test uses, and a collector that exports only that meter.</summary>
internal sealed class MeterScope : IDisposable
{
    public MeterScope(Action<PrometheusMetricsOptions>? configure = null)
    {
        Prefix = "Durable.Test." + Guid.NewGuid().ToString("N");
        Meter = new Meter(Prefix);
        var options = new PrometheusMetricsOptions { MeterPrefix = Prefix };
        configure?.Invoke(options);
        Collector = new MetricsCollector(options, NullLogger<MetricsCollector>.Instance);
    }

    public string Prefix { get; }

    public Meter Meter { get; }

    public MetricsCollector Collector { get; }

    public string Scrape() => PrometheusTextWriter.Write(Collector.Collect());

    public void Dispose()
    {
        Collector.Dispose();
        Meter.Dispose();
    }
}
