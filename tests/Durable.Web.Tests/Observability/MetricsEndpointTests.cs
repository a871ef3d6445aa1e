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
    public void A_hosts_exporter_includes_the_runtimes_meter_and_a_collection_moves_its_count()
    {
        // With a meter factory (a host), the collector exports the host's meters and the runtime's "System.Runtime",
        // which no host's factory creates; without one (the test above), the prefix alone decides.
        var services = ServicesWithConfiguration(new()).AddMetrics();
        services.AddPrometheusMetrics();
        using var provider = services.BuildServiceProvider();
        var collector = provider.GetRequiredService<MetricsCollector>();
        const string gen0 = "dotnet_gc_collections_total{gc_heap_generation=\"gen0\"}";

        var before = Values(collector);
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        var after = Values(collector);

        Assert.True(after[gen0] > before[gen0], $"{gen0}: {before[gen0]} then {after[gen0]}");
        Assert.True(after["dotnet_gc_pause_time_seconds_total"] >= before["dotnet_gc_pause_time_seconds_total"]);
        Assert.True(after["dotnet_process_memory_working_set_bytes"] > 1 << 20);
        Assert.True(after.ContainsKey("dotnet_process_cpu_time_seconds_total{cpu_mode=\"user\"}"));
        Assert.True(after.ContainsKey("dotnet_thread_pool_queue_length_total"));
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
