using Akka.Actor;
using Akka.Hosting;
using Durable.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Durable.Actors.Tests.Persistence;

/// <summary>An actor system started through Akka.Hosting with Durable's plugins as the default journal and snapshot store.</summary>
internal sealed class PluginHost : IAsyncDisposable
{
    private readonly IHost _host;

    private readonly string _engineKey;

    private PluginHost(IHost host, string engineKey)
    {
        _host = host;
        _engineKey = engineKey;
    }

    public ActorSystem System => _host.Services.GetRequiredService<ActorSystem>();

    public static async Task<PluginHost> StartSqliteAsync(string path, Action<DurablePersistenceOptions>? configure = null) =>
        await StartAsync(builder => builder.WithDurableSqlitePersistence(path, configure), $"sqlite:{Path.GetFullPath(path)}");

    public static async Task<PluginHost> StartPostgresAsync(string connectionString, Action<DurablePersistenceOptions>? configure = null) =>
        await StartAsync(builder => builder.WithDurablePostgresPersistence(connectionString, configure), $"postgres:{connectionString}");

    private static async Task<PluginHost> StartAsync(Action<AkkaConfigurationBuilder> persistence, string engineKey)
    {
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("plugin-tests", builder =>
            {
                builder.AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend);
                persistence(builder);
            }))
            .Build();
        await host.StartAsync();
        return new PluginHost(host, engineKey);
    }

    /// <summary>The engine of the plugins' database, once an actor has used them.</summary>
    public PersistenceEngine Engine => EngineRegistry.Find(_engineKey)
        ?? throw new InvalidOperationException($"No engine is open for {_engineKey}.");

    /// <summary>Asks <paramref name="actor"/> and waits for its answer (10 s; the failure names the message).</summary>
    public static async Task<CounterActor.State> AskAsync(IActorRef actor, object message) =>
        await actor.Ask<CounterActor.State>(message, TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
