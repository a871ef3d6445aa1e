using System.Net.WebSockets;
using System.Text;
using Durable.Hosting;
using Durable.Internal;
using Durable.Storage;
using Durable.Web.Samples;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Web.Tests.WebSockets;

/// <summary>A node as the program builds it (objects, edge, sample site) on real Kestrel at a loopback port, plus <see cref="SocketProbe"/>.</summary>
internal sealed class SocketHost((WebApplication App, Uri Address) started) : TestNode(started)
{
    public ObjectRuntime Runtime => Services.GetRequiredService<ObjectRuntime>();

    public static async Task<SocketHost> StartAsync(
        Action<DurableWebSocketOptions>? sockets = null, Action<DurableObjectsOptions>? objects = null, IDurableStorageProvider? storage = null)
    {
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
            },
            storage,
            app => app.MapSampleSite()));
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

    public bool IsActive(string ns, string name) => Runtime.FindActivation(IdOf(ns, name)) is not null;

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

}

/// <summary>Test helpers on a client socket: send and receive text with a timeout whose message names what was awaited.</summary>
internal static class ClientSocketExtensions
{
    public static Task SendTextAsync(this WebSocket ws, string text) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public static async Task<(WebSocketMessageType Type, string Text)> ReceiveAsync(this WebSocket ws, string waitingFor, int timeoutMs = 10_000)
    {
        using var timeout = new CancellationTokenSource(timeoutMs);
        var buffer = new byte[1 << 16];
        var length = 0;
        try
        {
            while (true)
            {
                var result = await ws.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
                length += result.Count;
                if (result.MessageType == WebSocketMessageType.Close) return (WebSocketMessageType.Close, $"{(int?)ws.CloseStatus} {ws.CloseStatusDescription}");
                if (result.EndOfMessage) return (result.MessageType, Encoding.UTF8.GetString(buffer, 0, length));
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no message within {timeoutMs} ms while waiting for {waitingFor}");
        }
    }

    public static async Task<string> ReceiveTextAsync(this WebSocket ws, string waitingFor, int timeoutMs = 10_000)
    {
        var (type, text) = await ws.ReceiveAsync(waitingFor, timeoutMs);
        Assert.True(type == WebSocketMessageType.Text, $"expected a text message ({waitingFor}), got {type} {text}");
        return text;
    }

    /// <summary>Receives until the server's close frame; returns its code.</summary>
    public static async Task<int> ReceiveCloseAsync(this WebSocket ws, string waitingFor)
    {
        while (true)
        {
            var (type, text) = await ws.ReceiveAsync(waitingFor);
            if (type == WebSocketMessageType.Close) return (int)ws.CloseStatus!.Value;
        }
    }
}
