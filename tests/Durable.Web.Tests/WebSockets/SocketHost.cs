using System.Net.WebSockets;
using Durable.Hosting;
using Durable.Internal;
using Durable.TestKit;
using Durable.Web.Samples;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Web.Tests.WebSockets;

/// <summary>A node as the program builds it (objects, edge, sample site) on real Kestrel at a loopback port, plus <see cref="SocketProbe"/>.</summary>
internal sealed class SocketHost((WebApplication App, Uri Address, string? Directory) started) : TestNode(started)
{
    public ObjectRuntime Runtime => Services.GetRequiredService<ObjectRuntime>();

    public static async Task<SocketHost> StartAsync(
        Action<DurableWebSocketOptions>? sockets = null, Action<DurableObjectsOptions>? objects = null, JournalFaults? faults = null,
        Action<IServiceCollection>? services = null, Action<WebApplication>? app = null, Action<DurableObjectsBuilder>? engine = null)
    {
        var configure = services;
        return new SocketHost(await StartAppAsync(
            o =>
            {
                o.AddNamespace<SocketProbe>("probe");
                objects?.Invoke(o);
            },
            services =>
            {
                if (sockets is not null) services.Configure(sockets);
                services.AddDurableEdge();
                configure?.Invoke(services);
            },
            faults,
            web =>
            {
                app?.Invoke(web);
                web.MapSampleSite();
            },
            engine: engine));
    }

    public Uri Ws(string path) => new($"ws://{Address.Authority}{path}");

    public async Task<ClientWebSocket> ConnectAsync(string path)
    {
        var ws = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ws.ConnectAsync(Ws(path), timeout.Token);
        return ws;
    }

    public DurableObjectId IdOf(string ns, string name) => Runtime.Ids.FromName(ns, name);

    public bool IsActive(string ns, string name) => Runtime.IsActive(IdOf(ns, name));

    /// <summary>Waits until the object was passivated (hibernated).</summary>
    public async Task WaitPassivatedAsync(string ns, string name)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (IsActive(ns, name))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"object {ns}:{name} was not passivated within 10 s");
            await Task.Delay(20);
        }
    }

    /// <summary>A probe socket (<c>/ns/probe/name/{name}/ws</c>) keeps its attachment while its object hibernates and
    /// wakes a new instance with its next message.</summary>
    public async Task AssertSurvivesHibernationAsync(WebSocket ws, string name)
    {
        await ws.SendTextAsync("attach:alice");
        Assert.Equal("attached", await ws.ReceiveTextAsync("attach ack"));
        await ws.SendTextAsync("instance");
        var before = await ws.ReceiveTextAsync("instance before");

        await WaitPassivatedAsync("probe", name);
        Assert.Equal(WebSocketState.Open, ws.State);

        await ws.SendTextAsync("attachment");
        Assert.Equal("alice", await ws.ReceiveTextAsync("attachment after hibernation"));
        await ws.SendTextAsync("instance");
        Assert.NotEqual(before, await ws.ReceiveTextAsync("instance after"));
        await ws.SendTextAsync("count");
        Assert.Equal("1", await ws.ReceiveTextAsync("sockets after hibernation"));
    }
}

/// <summary>Connects a <see cref="PhoenixClient"/> to a test node.</summary>
internal sealed partial class PhoenixClient
{
    public static async Task<PhoenixClient> ConnectAsync(SocketHost host) =>
        new(await host.ConnectAsync("/socket/websocket?vsn=2.0.0"));
}
