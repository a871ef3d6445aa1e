using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Durable.Actors.Tests.Persistence.Conformance;
using Durable.Hosting;
using Durable.Internal;
using Durable.Objects;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Durable.Actors.Tests.Objects.Remote;

/// <summary>
/// Two nodes in this process, each a host with <c>AddDurableObjects(...).UseAkkaObjects(ObjectJournal.Postgres(...), seeds)</c>
/// on 127.0.0.1: remoting on ports chosen free here, the first node the only seed, one journal schema of their own on
/// the shared test PostgreSQL. Ready once every region (each namespace's and the alarm books') knows both nodes, so
/// shards spread over both from the first message.
/// </summary>
public class RemoteCluster : IAsyncLifetime
{
    public const int Size = 2;
    private readonly FreshPostgresSchema _schema = new("remote_");
    private readonly string _akka;

    public RemoteCluster()
        : this(TimeSpan.FromSeconds(3), "")
    {
    }

    /// <param name="eventDeadline">The nodes' event deadline.</param>
    /// <param name="akka">More Akka settings for both nodes (HOCON).</param>
    protected RemoteCluster(TimeSpan eventDeadline, string akka)
    {
        EventDeadline = eventDeadline;
        _akka = akka;
    }

    public TimeSpan EventDeadline { get; }

    public List<RemoteNode> Nodes { get; } = [];

    public async Task InitializeAsync()
    {
        await _schema.CreateAsync();
        var ports = LoopbackPorts.Free(Size);
        for (var i = 0; i < Size; i++)
            Nodes.Add(await RemoteNode.StartAsync($"node{i + 1}", ports[i], ports[0], _schema.ConnectionString, EventDeadline, _akka));
        await Task.WhenAll(Nodes.Select(n => n.WhenRegionsKnowAsync(Size)));
    }

    public async Task DisposeAsync()
    {
        for (var i = Nodes.Count - 1; i >= 0; i--) await Nodes[i].DisposeAsync();
        await _schema.DropAsync();
    }

}

/// <summary>One node of a <see cref="RemoteCluster"/>.</summary>
public sealed class RemoteNode : IAsyncDisposable
{
    public const string IdSecret = "remote-events-tests-secret-0123456789";
    private readonly IHost _host;

    private RemoteNode(string name, IHost host)
    {
        Name = name;
        _host = host;
    }

    public string Name { get; }

    public IServiceProvider Services => _host.Services;

    public Probe Probe => Services.GetRequiredService<Probe>();

    internal ObjectRuntime Runtime => Services.GetRequiredService<ObjectRuntime>();

    internal ShardedObjects Objects => Runtime.Objects!;

    public static async Task<RemoteNode> StartAsync(string name, int port, int seedPort, string connectionString, TimeSpan eventDeadline, string akka)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        var settings = ConfigurationFactory.ParseString(akka);
        // A transport adapter (e.g. Akka's throttler, "trttl") adds its name to the addresses' protocol.
        var protocol = string.Concat((settings.HasPath("akka.remote.dot-netty.tcp.applied-adapters") ? settings.GetStringList("akka.remote.dot-netty.tcp.applied-adapters") : []).Reverse().Select(a => a + "."));
        var seeds = ConfigurationFactory.ParseString($"""
            akka.remote.dot-netty.tcp.hostname = 127.0.0.1
            akka.remote.dot-netty.tcp.port = {port}
            akka.cluster.seed-nodes = ["akka.{protocol}tcp://durable@127.0.0.1:{seedPort}"]
            """).WithFallback(settings);
        builder.Services.AddDurableObjects(o =>
            {
                TestNamespaces.AddAll(o);
                o.AddNamespace<RemoteObject>("remote");
                o.AddNamespace<Unbuildable>("unbuildable");
                o.EventDeadline = eventDeadline;
                o.CollectionInterval = TimeSpan.FromMilliseconds(100);
            })
            .UseAkkaObjects(ObjectJournal.Postgres(_ => connectionString), seeds);
        builder.Services.Configure<DurableIdOptions>(o => o.Secret = IdSecret);
        builder.Services.AddSingleton(new NodeName(name));
        TestNamespaces.AddProbe(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new RemoteNode(name, host);
    }

    /// <summary>Sends one request to the object named <paramref name="name"/> from this node.</summary>
    public Task<HttpResponseMessage> SendAsync(string @namespace, string name, HttpMethod method, string path, HttpContent? content = null) =>
        Services.GetDurableObjectNamespace(@namespace).GetByName(name).FetchAsync(new HttpRequestMessage(method, path) { Content = content });

    public async Task<string> SendForStringAsync(string @namespace, string name, HttpMethod method, string path)
    {
        using var response = await SendAsync(@namespace, name, method, path);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new HttpRequestException($"{method} {path} on {name} answered {(int)response.StatusCode}: {body}");
    }

    public DurableObjectId IdFromName(string @namespace, string name) => Services.GetDurableObjectNamespace(@namespace).IdFromName(name);

    /// <summary>Waits (a bounded number of round trips to the coordinators) until every region of this node knows <paramref name="count"/> nodes.</summary>
    public async Task WhenRegionsKnowAsync(int count)
    {
        var regions = Objects.Regions.Values.Append(Objects.Books.Region).ToList();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (var region in regions)
        {
            while ((await region.Ask<CurrentRegions>(GetCurrentRegions.Instance, TimeSpan.FromSeconds(10))).Regions.Count < count)
            {
                if (DateTime.UtcNow > until) throw new TimeoutException($"{Name}: region {region.Path.Name} did not learn of {count} nodes within 60 s.");
                await Task.Delay(50);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
