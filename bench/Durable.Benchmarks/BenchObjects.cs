using System.Net;
using Durable.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Durable.Benchmarks;

/// <summary>The smallest useful object: answers every fetch with 200 and no storage.</summary>
public sealed class PingObject : DurableObject
{
    public override Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request) =>
        Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
}

/// <summary>A runtime on the system clock, as a node would run it minus the network: objects as sharded persistent actors
/// (a cluster of one) journaling to Akka's in-memory journal, or to <c>journal</c>.</summary>
public sealed class BenchRuntime : IAsyncDisposable
{
    private readonly IHost _host;

    private BenchRuntime(IHost host) => _host = host;

    public DurableObjectNamespace Ping { get; private set; } = null!;

    internal ObjectRuntime Runtime => _host.Services.GetRequiredService<ObjectRuntime>();

    public IServiceProvider Services => _host.Services;

    public static async Task<BenchRuntime> StartAsync(
        Action<Hosting.DurableObjectsOptions>? tune = null, ObjectJournal? journal = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        builder.Services.AddDurableObjects(o =>
        {
            o.AddNamespace<PingObject>("ping");
            o.MaxInFlightEventsPerNode = 1_000_000;
            o.MaxQueuedEventsPerObject = 100_000;
            tune?.Invoke(o);
        }).UseAkkaObjects(journal);
        var host = builder.Build();
        await host.StartAsync();
        return new BenchRuntime(host) { Ping = host.Services.GetDurableObjectNamespace("ping") };
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
