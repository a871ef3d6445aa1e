using System.Net;
using Durable.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Durable.Benchmarks;

/// <summary>The smallest useful object: answers every fetch with 200 and no storage.</summary>
public sealed class PingObject : DurableObject
{
    public override Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request) =>
        Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
}

/// <summary>A runtime on the system clock with in-memory storage, as a node would run it minus the network.</summary>
public sealed class BenchRuntime : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private BenchRuntime(ServiceProvider services) => _services = services;

    public DurableObjectNamespace Ping { get; private set; } = null!;

    internal ObjectRuntime Runtime => _services.GetRequiredService<ObjectRuntime>();

    public static async Task<BenchRuntime> StartAsync(Action<Hosting.DurableObjectsOptions>? tune = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddDurableObjects(o =>
        {
            o.AddNamespace<PingObject>("ping");
            o.MaxInFlightEventsPerNode = 1_000_000;
            o.MaxQueuedEventsPerObject = 100_000;
            tune?.Invoke(o);
        });
        var provider = services.BuildServiceProvider();
        var runtime = new BenchRuntime(provider);
        await runtime.Runtime.StartAsync(CancellationToken.None);
        runtime.Ping = provider.GetDurableObjectNamespace("ping");
        return runtime;
    }

    public async ValueTask DisposeAsync()
    {
        await Runtime.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
    }
}
