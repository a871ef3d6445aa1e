using System.Net;
using System.Net.WebSockets;
using System.Text;
using Durable.TestKit;

namespace Durable.Web.Tests.WebSockets;

/// <summary>Object WebSockets end to end: ClientWebSocket against a real node on 127.0.0.1.</summary>
public sealed class ObjectSocketTests
{
    [Fact]
    public async Task Echo_sample_echoes_text_and_binary()
    {
        await using var host = await SocketHost.StartAsync();
        using var ws = await host.ConnectAsync("/ns/echo/name/e1/websocket");
        await ws.SendTextAsync("hello");
        Assert.Equal("hello", await ws.ReceiveTextAsync("text echo"));
        await ws.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        var (type, _) = await ws.ReceiveAsync("binary echo");
        Assert.Equal(WebSocketMessageType.Binary, type);
    }

    [Fact]
    public async Task Socket_route_without_upgrade_is_426_and_object_without_accept_refuses_the_handshake()
    {
        await using var host = await SocketHost.StartAsync();
        var plain = await host.Client.GetAsync("/ns/echo/name/e2/websocket");
        Assert.Equal(HttpStatusCode.UpgradeRequired, plain.StatusCode);
        using var ws = new ClientWebSocket();
        await Assert.ThrowsAnyAsync<WebSocketException>(() => ws.ConnectAsync(host.Ws("/ns/counter/name/c/"), CancellationToken.None));
        using var accepted = new ClientWebSocket();
        await Assert.ThrowsAnyAsync<WebSocketException>(() => accepted.ConnectAsync(host.Ws("/ns/probe/name/p0/accept-then-404"), CancellationToken.None));
        Assert.Equal("0", await host.Client.GetStringAsync("/ns/probe/name/p0/count"));
    }

    [Fact]
    public async Task Tags_and_GetWebSockets_by_tag()
    {
        await using var host = await SocketHost.StartAsync();
        using var a = await host.ConnectAsync("/ns/probe/name/tags/ws?red,blue");
        using var b = await host.ConnectAsync("/ns/probe/name/tags/ws?blue");
        await a.SendTextAsync("tags");
        Assert.Equal("red,blue", await a.ReceiveTextAsync("tags"));
        await b.SendTextAsync("count:blue");
        Assert.Equal("2", await b.ReceiveTextAsync("blue count"));
        await b.SendTextAsync("count:red");
        Assert.Equal("1", await b.ReceiveTextAsync("red count"));
        await b.SendTextAsync("all:hi");
        Assert.Equal("hi", await a.ReceiveTextAsync("fan-out to a"));
        Assert.Equal("hi", await b.ReceiveTextAsync("fan-out to b"));
    }

    [Fact]
    public async Task Socket_survives_hibernation_with_its_attachment()
    {
        await using var host = await SocketHost.StartAsync(objects: o => o.IdleTimeout = TimeSpan.FromMilliseconds(300));
        using var ws = await host.ConnectAsync("/ns/probe/name/hib/ws");
        await host.AssertSurvivesHibernationAsync(ws, "hib");
    }

    [Fact]
    public async Task Auto_response_is_answered_without_waking_the_object()
    {
        await using var host = await SocketHost.StartAsync(objects: o => o.IdleTimeout = TimeSpan.FromMilliseconds(300));
        using var ws = await host.ConnectAsync("/ns/probe/name/auto/ws");
        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.PostAsync("/ns/probe/name/auto/autoresponse", null)).StatusCode);
        await host.WaitPassivatedAsync("probe", "auto");

        for (var i = 0; i < 3; i++)
        {
            await ws.SendTextAsync("ping");
            Assert.Equal("pong", await ws.ReceiveTextAsync("auto-response"));
        }
        Assert.False(host.IsActive("probe", "auto"), "the auto-response woke the object");

        await ws.SendTextAsync("autoresponse-at");
        Assert.Equal("set", await ws.ReceiveTextAsync("auto-response timestamp"));
    }

    [Fact]
    public async Task Send_after_a_write_waits_until_the_write_is_durable()
    {
        var journal = AkkaSpecEngine.NewFaults();
        await using var host = await SocketHost.StartAsync(faults: journal);
        using var ws = await host.ConnectAsync("/ns/probe/name/gate/ws");
        var hold = journal.HoldAppends();
        var appends = journal.AppendCount;
        await ws.SendTextAsync("put-then-send:1");
        var received = ws.ReceiveTextAsync("send after put");
        // The turn's write has reached the journal and is held there; the frame it sent must still be held too.
        await journal.WaitForAppendsAsync(appends + 1).WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        Assert.False(received.IsCompleted, "the socket send went out before its turn's write was durable");
        hold.Release();
        Assert.Equal("after-put", await received);
    }

    [Fact]
    public async Task Message_over_the_size_limit_closes_with_1009()
    {
        await using var host = await SocketHost.StartAsync(sockets: s => s.MaxMessageSize = 1024);
        using var ws = await host.ConnectAsync("/ns/probe/name/big/ws");
        await ws.SendTextAsync("echo:" + new string('x', 1000));
        Assert.Equal(1000, (await ws.ReceiveTextAsync("message under the limit")).Length);
        await ws.SendAsync(Encoding.UTF8.GetBytes(new string('y', 2000)), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal(WebSocketCloseCodes.MessageTooBig, await ws.ReceiveCloseAsync("close 1009"));
        await WaitForAsync(() => SocketProbe.Closes.TryGetValue("big", out var q) && q.Any(c => c.StartsWith("1009 ")), "object saw the 1009 close");
    }

    [Fact]
    public async Task Sockets_over_the_per_object_limit_are_closed_with_1008()
    {
        await using var host = await SocketHost.StartAsync(sockets: s => s.MaxSocketsPerObject = 2);
        using var a = await host.ConnectAsync("/ns/probe/name/full/ws");
        using var b = await host.ConnectAsync("/ns/probe/name/full/ws");
        using var c = await host.ConnectAsync("/ns/probe/name/full/ws");
        Assert.Equal(WebSocketCloseCodes.PolicyViolation, await c.ReceiveCloseAsync("close 1008"));
        Assert.Contains("limit", c.CloseStatusDescription);
        await a.SendTextAsync("count");
        Assert.Equal("2", await a.ReceiveTextAsync("count at the limit"));
    }

    [Fact]
    public async Task Handler_exception_resets_the_object_and_keeps_the_socket()
    {
        await using var host = await SocketHost.StartAsync();
        using var ws = await host.ConnectAsync("/ns/probe/name/crash/ws?t");
        await ws.SendTextAsync("instance");
        var before = await ws.ReceiveTextAsync("instance");
        await ws.SendTextAsync("throw");
        await ws.SendTextAsync("instance");
        Assert.NotEqual(before, await ws.ReceiveTextAsync("instance after reset"));
        await ws.SendTextAsync("tags");
        Assert.Equal("t", await ws.ReceiveTextAsync("tags after reset"));
    }

    [Fact]
    public async Task Client_close_reaches_the_object_and_the_socket_leaves()
    {
        await using var host = await SocketHost.StartAsync();
        using var stay = await host.ConnectAsync("/ns/probe/name/bye/ws");
        using var ws = await host.ConnectAsync("/ns/probe/name/bye/ws");
        await ws.CloseAsync((WebSocketCloseStatus)4001, "see you", CancellationToken.None);
        Assert.Equal(4001, (int)ws.CloseStatus!);
        await WaitForAsync(() => SocketProbe.Closes.TryGetValue("bye", out var q) && q.Contains("4001 see you True"), "object saw the clean close");
        await WaitForAsync(async () => await host.Client.GetStringAsync("/ns/probe/name/bye/count") == "1", "closed socket left GetWebSockets");
    }

    [Fact]
    public async Task Object_close_sends_its_code_and_reason()
    {
        await using var host = await SocketHost.StartAsync();
        using var ws = await host.ConnectAsync("/ns/probe/name/objclose/ws");
        await ws.SendTextAsync("close");
        Assert.Equal(4000, await ws.ReceiveCloseAsync("object's close"));
        Assert.Equal("bye", ws.CloseStatusDescription);
    }

    [Fact]
    public async Task Dropped_connection_reaches_the_object_as_1006()
    {
        await using var host = await SocketHost.StartAsync();
        var ws = await host.ConnectAsync("/ns/probe/name/drop/ws");
        ws.Abort();
        ws.Dispose();
        await WaitForAsync(() => SocketProbe.Closes.TryGetValue("drop", out var q) && q.Contains("1006  False"), "object saw 1006");
    }

    [Fact]
    public async Task Chat_raw_sockets_share_messages_and_store_them()
    {
        await using var host = await SocketHost.StartAsync();
        using var a = await host.ConnectAsync("/ns/chat/name/raw/websocket");
        using var b = await host.ConnectAsync("/ns/chat/name/raw/websocket");
        await a.SendTextAsync("hello room");
        Assert.Equal("hello room", await a.ReceiveTextAsync("own message"));
        Assert.Equal("hello room", await b.ReceiveTextAsync("other's message"));
        var history = await host.Client.GetStringAsync("/ns/chat/name/raw/messages");
        Assert.Contains("\"body\":\"hello room\"", history);
        Assert.Contains("\"at\":", history);
    }

    internal static async Task WaitForAsync(Func<bool> condition, string what) => await WaitForAsync(() => Task.FromResult(condition()), what);

    internal static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }
}
