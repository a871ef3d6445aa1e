using System.Diagnostics.Metrics;
using System.Net;
using Durable.Web.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Durable.Web.Tests.Observability;

public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Get_metrics_over_kestrel_returns_recorded_counter_as_prometheus_text()
    {
        var prefix = "Durable.Test." + Guid.NewGuid().ToString("N");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddPrometheusMetrics(o => o.MeterPrefix = prefix);
        await using var app = builder.Build();
        app.MapPrometheusMetrics();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StartAsync(timeout.Token);

        // Only this host's meters are exported: one made by its IMeterFactory is, an identical one made elsewhere is not.
        var meter = app.Services.GetRequiredService<IMeterFactory>().Create(prefix);
        meter.CreateCounter<long>("durable.requests").Add(5, new KeyValuePair<string, object?>("route", "/objects"));
        using var stranger = new Meter(prefix);
        stranger.CreateCounter<long>("durable.strangers").Add(7);
        var address = app.Services.GetRequiredService<IServer>().Features
            .GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        using var response = await http.GetAsync("/metrics", timeout.Token);
        var body = await response.Content.ReadAsStringAsync(timeout.Token);
        await app.StopAsync(timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("durable_requests_total{route=\"/objects\"} 5\n", body);
        Assert.DoesNotContain("durable_strangers", body);
    }

    [Fact]
    public void Add_prometheus_metrics_binds_the_durable_metrics_section_and_registers_one_collector()
    {
        var prefix = "Durable.Test." + Guid.NewGuid().ToString("N");
        var services = ServicesWithConfiguration(new() { ["Durable:Metrics:MeterPrefix"] = prefix });
        services.AddPrometheusMetrics();
        using var provider = services.BuildServiceProvider();
        using var meter = new Meter(prefix);
        var counter = meter.CreateCounter<int>("durable.requests");

        var collector = provider.GetRequiredService<MetricsCollector>();
        counter.Add(1);

        Assert.Same(collector, provider.GetRequiredService<MetricsCollector>());
        Assert.Equal(
            "# TYPE durable_requests_total counter\ndurable_requests_total 1\n",
            PrometheusTextWriter.Write(collector.Collect()));
    }

    [Fact]
    public void Invalid_options_fail_with_a_message_naming_key_value_and_rule()
    {
        var services = ServicesWithConfiguration(new() { ["Durable:Metrics:MaxSeriesPerInstrument"] = "5" });
        services.AddPrometheusMetrics(o =>
        {
            o.HistogramBoundaries = [1, 0.5];
            o.MaxSeriesPerInstrument = 0;
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<MetricsCollector>());

        Assert.Contains("Durable:Metrics:HistogramBoundaries is [1, 0.5]; bound 0.5 at index 1 must be greater than 1", error.Message);
        Assert.Contains("Durable:Metrics:MaxSeriesPerInstrument is 0; it must be at least 1", error.Message);
    }

    [Fact]
    public void Map_prometheus_metrics_without_registration_fails_at_startup()
    {
        var app = WebApplication.CreateSlimBuilder().Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapPrometheusMetrics());

        Assert.Contains("AddPrometheusMetrics", error.Message);
    }

    [Fact]
    public void The_exporter_reports_the_process_and_the_runtime_and_a_collection_moves_its_count()
    {
        var services = ServicesWithConfiguration(new()).AddMetrics();
        services.AddPrometheusMetrics();
        using var provider = services.BuildServiceProvider();
        var collector = provider.GetRequiredService<MetricsCollector>();

        var before = Values(collector);
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        var after = Values(collector);

        Assert.True(after["durable_gc_collections_total{generation=\"0\"}"] > before["durable_gc_collections_total{generation=\"0\"}"]);
        Assert.True(after["durable_gc_pause_time_seconds_total"] >= before["durable_gc_pause_time_seconds_total"]);
        Assert.True(after["durable_gc_allocated_bytes_total"] > 0);
        Assert.True(after["durable_gc_heap_size_bytes"] > 0);
        Assert.True(after["durable_process_memory_resident_bytes"] > 1 << 20);
        Assert.True(after["durable_process_cpu_time_seconds_total"] > 0);
        Assert.True(after["durable_threadpool_threads"] >= 0);
        Assert.True(after.ContainsKey("durable_threadpool_queue_length"));
        Assert.Equal(3, after.Keys.Count(k => k.StartsWith("durable_gc_collections_total{", StringComparison.Ordinal)));
    }

    /// <summary>Every sample of one scrape, by series (name and labels as written).</summary>
    private static Dictionary<string, double> Values(MetricsCollector collector) =>
        PrometheusTextWriter.Write(collector.Collect())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith('#'))
            .Select(line => line.Split(' '))
            .ToDictionary(f => f[0], f => double.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture));

    private static IServiceCollection ServicesWithConfiguration(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
}
