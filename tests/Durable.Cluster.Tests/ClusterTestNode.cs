using Durable.Cluster.Hosting;
using Durable.Cluster.Internal;
using Durable.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Durable.Cluster.Tests;

/// <summary>One in-process cluster member: a host with the runtime, PostgreSQL storage (fenced) and the cluster.
/// Real processes are the end-to-end tests' business; this one shares the test's process but nothing else.</summary>
internal sealed class ClusterTestNode : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private ClusterTestNode(IHost host)
    {
        _host = host;
        Runtime = host.Services.GetRequiredService<ObjectRuntime>();
        Cluster = host.Services.GetRequiredService<ClusterNode>();
        Counters = host.Services.GetDurableObjectNamespace("counter");
    }

    public ObjectRuntime Runtime { get; }

    public ClusterNode Cluster { get; }

    public DurableObjectNamespace Counters { get; }

    public NodeId Id => Cluster.Node;

    /// <summary>Fast settings for tests: 64 shards, 1.5 s leases renewed every 250 ms.</summary>
    public static void Fast(ClusterOptions o)
    {
        o.Shards = 64;
        o.LeaseTtl = TimeSpan.FromMilliseconds(1500);
        o.HeartbeatInterval = TimeSpan.FromMilliseconds(250);
        o.LeaseSafetyMargin = TimeSpan.FromMilliseconds(300);
        o.MapRefreshInterval = TimeSpan.FromMilliseconds(250);
        o.HandoffTimeout = TimeSpan.FromSeconds(5);
    }

    public static async Task<ClusterTestNode> StartAsync(string connectionString, string name, Action<ClusterOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("DURABLE_TEST_LOG") is { Length: > 0 })
            builder.Logging.AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss.fff ").SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddDurableObjects(o => o.AddNamespace<TestCounter>("counter"))
            .UsePostgresStorage(connectionString)
            .AddCluster(o =>
            {
                Fast(o);
                o.NodeId = name + "-" + Guid.NewGuid().ToString("n")[..6];
                o.AdvertisedUrl = $"http://127.0.0.1/{name}";
                configure?.Invoke(o);
            });
        builder.Services.Configure<Durable.Hosting.DurableIdOptions>(o => o.Secret = "cluster-tests-id-secret-0123456789");
        var host = builder.Build();
        await host.StartAsync();
        return new ClusterTestNode(host);
    }

    public async Task<string> FetchAsync(string name, string path, HttpMethod? method = null)
    {
        var id = Counters.IdFromName(name);
        using var response = await Runtime.FetchAsync(id, new HttpRequestMessage(method ?? HttpMethod.Post, "http://do" + path), CancellationToken.None);
        return await response.Content.ReadAsStringAsync();
    }

    public bool Serves(string name) => Cluster.Leases.IsServedHere(Durable.Storage.ObjectKey.For(Counters.IdFromName(name)));

    /// <summary>Graceful: drains, hands back leases, stops.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await _host.StopAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>Crash-like: heartbeats stop and nothing is released (leases must expire). The runtime stays up so a
    /// test can see that it commits nothing after losing its leases.</summary>
    public Task FreezeHeartbeatsAsync() => Cluster.HaltAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception)
        {
            // A frozen node cannot leave cleanly; its schema is dropped with the test.
        }
        _host.Dispose();
    }
}
