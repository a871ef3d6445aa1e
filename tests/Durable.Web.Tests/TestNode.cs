using System.Net;
using Durable.Hosting;
using Durable.Storage;
using Durable.Web.Samples;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Durable.Web.Tests;

/// <summary>
/// Starts a node as the program builds it (AddDurableObjects with the samples + AddDurableEdge + MapDurableObjects) on
/// real Kestrel at a loopback port chosen by the OS. The test hosts derive from it and add their own objects, services
/// and endpoints.
/// </summary>
internal abstract class TestNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    protected TestNode((WebApplication App, Uri Address) started)
    {
        _app = started.App;
        Address = started.Address;
        Client = new HttpClient { BaseAddress = started.Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    protected static async Task<(WebApplication App, Uri Address)> StartAppAsync(
        Action<DurableObjectsOptions> objects,
        Action<IServiceCollection>? services = null,
        IDurableStorageProvider? storage = null,
        Action<WebApplication>? map = null,
        Action<DurableObjectsBuilder>? durable = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // An address (not Listen()), so that the edge's endpoint defaults (the lean WebSocket handshake) apply as in the node.
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var objectsBuilder = builder.Services.AddDurableObjects(o =>
        {
            o.AddSamples();
            o.CollectionInterval = TimeSpan.FromMilliseconds(50);
            objects(o);
        });
        if (storage is not null) objectsBuilder.UseStorage(storage);
        durable?.Invoke(objectsBuilder);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseDurableStatusPages();
        app.MapDurableObjects();
        map?.Invoke(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return (app, new Uri(address));
    }
}
