using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Durable.Web.Tests.WebSockets;

/// <summary>
/// The object WebSocket handshake on a real node, byte for byte: Kestrel answers every upgrade through the app's
/// pipeline (its answers carry <c>Server: Kestrel</c>), so middleware in front of the object routes sees them.
/// </summary>
public sealed class UpgradeTests
{
    [Fact]
    public async Task A_plain_upgrade_is_answered_by_Kestrel_with_the_objects_headers_and_the_socket_echoes()
    {
        await using var host = await SocketHost.StartAsync();
        await using var raw = await RawUpgrade.SendAsync(host.Address, RawUpgrade.Head("/ns/echo/name/up1/websocket"));

        Assert.Equal(101, raw.Status);
        Assert.Equal("Kestrel", raw.Headers["Server"]);
        Assert.Equal(RawUpgrade.ExpectedAccept, raw.Headers["Sec-WebSocket-Accept"]);
        Assert.Equal(host.IdOf("echo", "up1").ToString(), raw.Headers["X-Durable-Id"]);
        Assert.Equal("echo", raw.Headers["X-Durable-Namespace"]);
        Assert.False(raw.Headers.ContainsKey("Sec-WebSocket-Protocol"));
        using var ws = raw.Socket();
        await ws.SendTextAsync("through Kestrel");
        Assert.Equal("through Kestrel", await ws.ReceiveTextAsync("echo"));
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, ws.CloseStatus);
    }

    [Fact]
    public async Task Middleware_in_front_of_the_object_routes_sees_and_can_refuse_socket_upgrades()
    {
        await using var host = await SocketHost.StartAsync(app: app => app.Use(async (context, next) =>
        {
            if (context.WebSockets.IsWebSocketRequest && context.Request.Headers.Authorization != "Bearer ok")
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            await next(context);
        }));

        await using (var refused = await RawUpgrade.SendAsync(host.Address, RawUpgrade.Head("/ns/echo/name/auth/websocket")))
            Assert.Equal(401, refused.Status);
        await using var allowed = await RawUpgrade.SendAsync(
            host.Address, RawUpgrade.Head("/ns/echo/name/auth/websocket", "Authorization: Bearer ok\r\n"));
        Assert.Equal(101, allowed.Status);
        using var ws = allowed.Socket();
        await ws.SendTextAsync("let in");
        Assert.Equal("let in", await ws.ReceiveTextAsync("echo"));
    }

    [Fact]
    public async Task An_object_refusing_the_upgrade_gets_its_answer_written()
    {
        await using var host = await SocketHost.StartAsync();
        await using var raw = await RawUpgrade.SendAsync(host.Address, RawUpgrade.Head("/ns/counter/name/refuse/", close: true));

        // The counter does not accept: its GET answer (the value) is what the client gets.
        Assert.Equal(200, raw.Status);
        Assert.Equal(host.IdOf("counter", "refuse").ToString(), raw.Headers["X-Durable-Id"]);
        Assert.Equal("counter", raw.Headers["X-Durable-Namespace"]);
        Assert.False(raw.Headers.ContainsKey("Sec-WebSocket-Accept"));
        Assert.EndsWith("0", (await raw.ReadToEndAsync()).TrimEnd());
    }

    [Fact]
    public async Task An_object_that_accepts_then_answers_404_refuses_and_keeps_no_socket()
    {
        await using var host = await SocketHost.StartAsync();
        await using var raw = await RawUpgrade.SendAsync(host.Address, RawUpgrade.Head("/ns/probe/name/p404/accept-then-404", close: true));

        Assert.Equal(404, raw.Status);
        Assert.Equal("0", await host.Client.GetStringAsync("/ns/probe/name/p404/count"));
    }

    [Fact]
    public async Task An_object_answering_101_without_accepting_is_the_JSON_object_error()
    {
        await using var host = await SocketHost.StartAsync();
        await using var raw = await RawUpgrade.SendAsync(host.Address, RawUpgrade.Head("/ns/probe/name/p101/switch-without-accept", close: true));

        Assert.Equal(500, raw.Status);
        Assert.StartsWith("application/json", raw.Headers["Content-Type"]);
        Assert.Equal(host.IdOf("probe", "p101").ToString(), raw.Headers["X-Durable-Id"]);
        using var body = JsonDocument.Parse(await raw.ReadToEndAsync());
        Assert.Equal("object_error", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("AcceptWebSocket", body.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_client_gone_during_the_objects_accept_leaves_no_socket_behind()
    {
        await using var host = await SocketHost.StartAsync();
        var raw = await RawUpgrade.ConnectAsync(host.Address);
        await raw.SendAsync(RawUpgrade.Head("/ns/probe/name/gone/slow-ws"));
        raw.Reset();

        await Task.Delay(600); // the object's accept has finished by now
        var counts = new List<string>();
        for (var i = 0; i < 100 && counts.LastOrDefault() != "0"; i++)
        {
            counts.Add(await host.Client.GetStringAsync("/ns/probe/name/gone/count"));
            await Task.Delay(50);
        }
        Assert.True(counts[^1] == "0", $"sockets seen: {string.Join(",", counts)}");
    }

    [Fact]
    public async Task An_upgrade_is_counted_as_a_request_with_status_101_when_its_socket_ends()
    {
        await using var host = await SocketHost.StartAsync();
        using (var ws = await host.ConnectAsync("/ns/probe/name/counted/ws"))
        {
            await ws.SendTextAsync("close");
            Assert.Equal(4000, await ws.ReceiveCloseAsync("the object's close"));
            await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        }

        const string counted = "durable_http_requests_total{namespace=\"probe\",status=\"101\"} 1";
        var metrics = "";
        for (var i = 0; i < 100 && !metrics.Contains(counted); i++)
        {
            await Task.Delay(50);
            metrics = await host.Client.GetStringAsync("/metrics");
        }
        Assert.Contains(counted, metrics);
    }
}
