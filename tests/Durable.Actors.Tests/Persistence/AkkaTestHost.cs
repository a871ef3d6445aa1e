using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Durable.Actors.Tests.Persistence;

/// <summary>A generic host running one actor system configured through Akka.Hosting (<c>AddAkka</c>), with ASP.NET Core's
/// health check service so the checks the Akka packages register can be run.</summary>
internal sealed class AkkaTestHost : IAsyncDisposable
{
    private readonly IHost _host;

    private AkkaTestHost(IHost host) => _host = host;

    public ActorSystem System => _host.Services.GetRequiredService<ActorSystem>();

    public IServiceProvider Services => _host.Services;

    public static async Task<AkkaTestHost> StartAsync(string name, Action<AkkaConfigurationBuilder> configure)
    {
        var host = new HostBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .ConfigureServices(services =>
            {
                services.AddHealthChecks();
                services.AddAkka(name, (builder, _) => configure(builder));
            })
            .Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(timeout.Token);
        return new AkkaTestHost(host);
    }

    public Task<HealthReport> CheckHealthAsync() =>
        _host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().WaitAsync(TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _host.StopAsync(timeout.Token);
        _host.Dispose();
    }
}
