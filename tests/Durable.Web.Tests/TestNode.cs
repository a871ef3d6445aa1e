using System.Net;
using Durable.Hosting;
using Durable.TestKit;
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
    private readonly string? _directory;

    protected TestNode((WebApplication App, Uri Address, string? Directory) started)
    {
        _app = started.App;
        _directory = started.Directory;
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
        if (_directory is null) return;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// A node journaling to a fresh SQLite file; given <paramref name="faults"/>, to Akka.Persistence.TestKit's journal
    /// with those faults in it; given <paramref name="engine"/>, as that sets it up (a cluster node's journal and seeds).
    /// </summary>
    protected static async Task<(WebApplication App, Uri Address, string? Directory)> StartAppAsync(
        Action<DurableObjectsOptions> objects,
        Action<IServiceCollection>? services = null,
        JournalFaults? faults = null,
        Action<WebApplication>? map = null,
        Action<DurableObjectsBuilder>? durable = null,
        Action<DurableObjectsBuilder>? engine = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // An address (not Listen()), as the node's --urls.
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var objectsBuilder = builder.Services.AddDurableObjects(o =>
        {
            o.AddSamples();
            o.CollectionInterval = TimeSpan.FromMilliseconds(50);
            objects(o);
        });
        string? directory = null;
        if (faults is not null) objectsBuilder.UseAkkaObjects(AkkaSpecEngine.FaultyJournal());
        else if (engine is not null) engine(objectsBuilder);
        else
        {
            directory = Path.Combine(Path.GetTempPath(), "durable-web-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, "durable.db");
            // One secret per node, kept with its database, as the node keeps it in its SQLite file.
            builder.Services.Configure<DurableIdOptions>(o => o.Secret ??= "web-test-secret-" + directory);
            objectsBuilder.UseAkkaObjects(ObjectJournal.Sqlite(_ => path));
        }
        durable?.Invoke(objectsBuilder);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseDurableStatusPages();
        app.MapDurableObjects();
        map?.Invoke(app);
        await app.StartAsync();
        if (faults is not null) await AkkaSpecEngine.AttachFaultsAsync(app.Services, faults);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return (app, new Uri(address), directory);
    }
}
