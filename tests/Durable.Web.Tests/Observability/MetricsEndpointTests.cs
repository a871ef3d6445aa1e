using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Durable.Web.Tests.Observability;

public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Get_metrics_over_kestrel_returns_this_hosts_durable_meter_as_prometheus_text()
    {
        await using var host = await MetricsHost.StartAsync();
        await using var other = await MetricsHost.StartAsync();

        // Only this host's "Durable" meter is exported: one made by its IMeterFactory is; the same name made by another
        // host's factory, or by no factory, is not.
        var counter = "durable.test." + Guid.NewGuid().ToString("N");
        host.Meters.Create("Durable").CreateCounter<long>(counter).Add(5, new KeyValuePair<string, object?>("route", "/objects"));
        other.Meters.Create("Durable").CreateCounter<long>(counter + "_other").Add(6);
        using var stranger = new Meter("Durable");
        stranger.CreateCounter<long>(counter + "_stranger").Add(7);
        using var response = await host.Client.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var name = counter.Replace('.', '_');
        Assert.Contains($"{name}_total{{route=\"/objects\"}} 5\n", body);
        Assert.DoesNotContain(name + "_other", body);
        Assert.DoesNotContain(name + "_stranger", body);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await host.Client.PostAsync("/metrics", null)).StatusCode);
    }

    [Fact]
    public void Map_prometheus_metrics_without_registration_fails_at_startup()
    {
        var app = WebApplication.CreateSlimBuilder().Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapPrometheusMetrics());

        Assert.Contains("AddPrometheusMetrics", error.Message);
    }

    [Fact]
    public async Task A_hosts_exporter_includes_the_runtimes_meter_and_a_forced_collection_is_counted()
    {
        // The runtime's "System.Runtime" meter belongs to the process, not to any host's meter factory. Its
        // dotnet.gc.collections counts each collection once, under the generation it collected, which need not be the
        // one asked for (a forced gen0 collection may run as gen1): a collection moves the sum over generations.
        await using var host = await MetricsHost.StartAsync();

        var before = await PrometheusTools.ParseAsync(await host.Client.GetStringAsync("/metrics"));
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        var after = await PrometheusTools.ParseAsync(await host.Client.GetStringAsync("/metrics"));

        Assert.Equal("counter", after["dotnet_gc_collections"].Type);
        Assert.True(Collections(after) > Collections(before), $"collections: {Collections(before)} then {Collections(after)}");
        Assert.True(Single(after, "dotnet_gc_pause_time_seconds") >= Single(before, "dotnet_gc_pause_time_seconds"));
        Assert.True(Single(after, "dotnet_process_memory_working_set_bytes") > 1 << 20);
        Assert.Contains(after["dotnet_process_cpu_time_seconds"].Samples, s => s.Labels.GetValueOrDefault("cpu_mode") == "user");
        Assert.Equal("gauge", after["dotnet_thread_pool_queue_length"].Type);
    }

    private static double Collections(IReadOnlyDictionary<string, ParsedFamily> families) =>
        families["dotnet_gc_collections"].Samples.Where(s => s.Name == "dotnet_gc_collections_total").Sum(s => s.Value);

    private static double Single(IReadOnlyDictionary<string, ParsedFamily> families, string family) =>
        Assert.Single(families[family].Samples, s => !s.Name.EndsWith("_created", StringComparison.Ordinal)).Value;

    /// <summary>A bare host with the exporter at /metrics, on real Kestrel at a loopback port the OS chose.</summary>
    private sealed class MetricsHost(WebApplication app, HttpClient client) : IAsyncDisposable
    {
        public HttpClient Client { get; } = client;

        public IMeterFactory Meters => app.Services.GetRequiredService<IMeterFactory>();

        public static async Task<MetricsHost> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Services.AddPrometheusMetrics();
            var app = builder.Build();
            app.MapPrometheusMetrics();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await app.StartAsync(timeout.Token);
            var address = app.Services.GetRequiredService<IServer>().Features
                .GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            return new MetricsHost(app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) });
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
