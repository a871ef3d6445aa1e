using System.Net.WebSockets;
using System.Text.Json;
using Durable.Web.WebSockets.Lean;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Durable.Web.Tests.WebSockets.Lean;

/// <summary>
/// The lean handshake on a real node: plain upgrades of object routes are answered on the bare connection (the 101 has
/// no <c>Server</c> header, which Kestrel's answers carry), everything else reaches Kestrel as it would without it.
/// </summary>
public sealed class LeanHandshakeTests
{
    [Fact]
    public async Task A_plain_upgrade_is_answered_on_the_bare_connection_and_the_socket_echoes()
    {
        await using var host = await SocketHost.StartAsync();
        await using var raw = await RawUpgrade.SendAsync(host.Address, RawUpgrade.Head("/ns/echo/name/lean1/websocket"));

        Assert.Equal(101, raw.Status);
        Assert.False(raw.Headers.ContainsKey("Server"), "answered by Kestrel, not the lean handshake");
        Assert.Equal(RawUpgrade.ExpectedAccept, raw.Headers["Sec-WebSocket-Accept"]);
        Assert.Equal(host.IdOf("echo", "lean1").ToString(), raw.Headers["X-Durable-Id"]);
        Assert.Equal("echo", raw.Headers["X-Durable-Namespace"]);
        Assert.False(raw.Headers.ContainsKey("Sec-WebSocket-Protocol"));
        using var ws = raw.Socket();
        await ws.SendTextAsync("over the lean socket");
        Assert.Equal("over the lean socket", await ws.ReceiveTextAsync("echo"));
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, ws.CloseStatus);
    }

    [Fact]
    public async Task ClientWebSocket_upgrades_take_the_lean_path_so_the_socket_suites_run_on_it()
    {
        await using var host = await SocketHost.StartAsync();
        using var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        await ws.ConnectAsync(host.Ws("/ns/echo/name/lean2/websocket"), CancellationToken.None);

        Assert.NotNull(ws.HttpResponseHeaders);
        Assert.False(ws.HttpResponseHeaders.ContainsKey("Server"), "ClientWebSocket's upgrade went through Kestrel");
        await ws.SendTextAsync("hi");
        Assert.Equal("hi", await ws.ReceiveTextAsync("echo"));
    }

    [Fact]
    public async Task With_the_switch_off_Kestrel_answers_every_upgrade()
    {
        await using var host = await SocketHost.StartAsync(sockets: o => o.LeanHandshake = false);
        await using var raw = await RawUpgrade.SendAsync(host.Address, RawUpgrade.Head("/ns/echo/name/off/websocket"));

        Assert.Equal(101, raw.Status);
        Assert.Equal("Kestrel", raw.Headers["Server"]);
        await AssertEchoesAsync(raw, "through Kestrel");
    }

    [Fact]
    public async Task A_head_that_arrives_one_byte_at_a_time_is_still_taken()
    {
        await using var host = await SocketHost.StartAsync();
        await using var raw = await RawUpgrade.ConnectAsync(host.Address);
        await raw.SendAsync(RawUpgrade.Head("/ns/echo/name/slow/websocket"), chunk: 1, pause: TimeSpan.FromMilliseconds(1));
        await raw.ReadHeadAsync();

        Assert.Equal(101, raw.Status);
        Assert.False(raw.Headers.ContainsKey("Server"));
        await AssertEchoesAsync(raw, "slowly");
    }

    [Fact]
    public async Task A_head_that_stalls_past_the_peek_timeout_goes_to_Kestrel_with_every_byte()
    {
        await using var host = await SocketHost.StartAsync();
        host.Services.GetRequiredService<LeanHandshake>().PeekTimeout = TimeSpan.FromMilliseconds(100);
        await using var raw = await RawUpgrade.ConnectAsync(host.Address);
        var head = RawUpgrade.Head("/ns/echo/name/stall/websocket");
        await raw.SendAsync(head[..20]);
        await Task.Delay(500);
        await raw.SendAsync(head[20..]);
        await raw.ReadHeadAsync();

        Assert.Equal(101, raw.Status);
        Assert.Equal("Kestrel", raw.Headers["Server"]);
        await AssertEchoesAsync(raw, "late");
    }

    [Theory]
    [InlineData("/ns/echo/name/bad-key/websocket", "Sec-WebSocket-Key: short\r\n", 426, null)] // not an upgrade to the edge: echo says 426
    [InlineData("/ns/nope/name/a/websocket", "", 404, "unknown_namespace")]
    [InlineData("/ns/echo/id/not-hex/websocket", "", 400, "invalid_id")]
    [InlineData("/ns/echo/name/a/%2e%2e/websocket", "", 400, "bad_request")]
    [InlineData("/ns/echo/name/%C3/websocket", "", 400, "bad_request")]
    public async Task An_upgrade_the_edge_would_refuse_falls_through_to_Kestrel_and_gets_the_contract_answer(
        string target, string extra, int status, string? code)
    {
        await using var host = await SocketHost.StartAsync();
        await using var raw = await RawUpgrade.ConnectAsync(host.Address);
        var head = RawUpgrade.Head(target, extra);
        if (extra.StartsWith("Sec-WebSocket-Key", StringComparison.Ordinal))
            head = head.Replace($"Sec-WebSocket-Key: {RawUpgrade.Key}\r\n", "", StringComparison.Ordinal);
        await raw.SendAsync(head);
        await raw.ReadHeadAsync();

        Assert.Equal(status, raw.Status);
        Assert.Equal("Kestrel", raw.Headers["Server"]);
        if (code is not null) Assert.Equal("application/json", raw.Headers["Content-Type"]);
        await AssertHealthyAsync(host);
    }

    [Fact]
    public async Task A_request_pipelined_after_the_head_goes_to_Kestrel_which_answers_both()
    {
        await using var host = await SocketHost.StartAsync();
        await using var raw = await RawUpgrade.ConnectAsync(host.Address);
        // The counter does not accept, so Kestrel answers the upgrade with the counter's value and keeps the connection.
        await raw.SendAsync(RawUpgrade.Head("/ns/counter/name/piped/") + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        await raw.ReadHeadAsync();

        Assert.Equal(200, raw.Status);
        Assert.Equal("Kestrel", raw.Headers["Server"]);
        var rest = await raw.ReadToEndAsync();
        Assert.Contains("HTTP/1.1 200 OK", rest);
        Assert.Contains("\r\nok\r\n", rest); // /healthz's chunked body
    }

    [Fact]
    public async Task An_object_refusing_the_upgrade_gets_its_answer_written_and_the_connection_closed()
    {
        await using var host = await SocketHost.StartAsync();
        await using var raw = await RawUpgrade.SendAsync(host.Address, RawUpgrade.Head("/ns/counter/name/refuse/"));

        // The counter does not accept: its GET answer (the value) is what the client gets, as through Kestrel.
        Assert.Equal(200, raw.Status);
        Assert.False(raw.Headers.ContainsKey("Server"));
        Assert.Equal("close", raw.Headers["Connection"]);
        Assert.Equal(host.IdOf("counter", "refuse").ToString(), raw.Headers["X-Durable-Id"]);
        Assert.Equal("counter", raw.Headers["X-Durable-Namespace"]);
        Assert.Equal("1", raw.Headers["Content-Length"]);
        Assert.Equal("0", await raw.ReadToEndAsync());
    }

    [Fact]
    public async Task An_object_that_accepts_then_answers_404_refuses_and_keeps_no_socket()
    {
        await using var host = await SocketHost.StartAsync();
        await using var raw = await RawUpgrade.SendAsync(host.Address, RawUpgrade.Head("/ns/probe/name/p404/accept-then-404"));

        Assert.Equal(404, raw.Status);
        Assert.Equal("close", raw.Headers["Connection"]);
        Assert.Equal("0", raw.Headers["Content-Length"]);
        Assert.Equal("", await raw.ReadToEndAsync());
        Assert.Equal("0", await host.Client.GetStringAsync("/ns/probe/name/p404/count"));
    }

    [Fact]
    public async Task An_object_answering_101_without_accepting_is_the_JSON_object_error()
    {
        await using var host = await SocketHost.StartAsync();
        await using var raw = await RawUpgrade.SendAsync(host.Address, RawUpgrade.Head("/ns/probe/name/p101/switch-without-accept"));

        Assert.Equal(500, raw.Status);
        Assert.Equal("application/json", raw.Headers["Content-Type"]);
        Assert.Equal(host.IdOf("probe", "p101").ToString(), raw.Headers["X-Durable-Id"]);
        using var body = JsonDocument.Parse(await raw.ReadToEndAsync());
        Assert.Equal("object_error", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("AcceptWebSocket", body.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_gone_during_the_objects_accept_leaves_no_socket_behind(bool lean)
    {
        await using var host = await SocketHost.StartAsync(sockets: o => o.LeanHandshake = lean);
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
    public async Task A_lean_socket_survives_hibernation_with_its_attachment_and_is_counted()
    {
        await using var host = await SocketHost.StartAsync(objects: o => o.IdleTimeout = TimeSpan.FromMilliseconds(300));
        await using var raw = await RawUpgrade.SendAsync(host.Address, RawUpgrade.Head("/ns/probe/name/lean-hib/ws?red"));
        Assert.Equal(101, raw.Status);
        Assert.False(raw.Headers.ContainsKey("Server"));
        using var ws = raw.Socket();
        await host.AssertSurvivesHibernationAsync(ws, "lean-hib");
        await ws.SendTextAsync("tags");
        Assert.Equal("red", await ws.ReceiveTextAsync("tags after hibernation"));
        await ws.SendTextAsync("close");
        Assert.Equal(4000, await ws.ReceiveCloseAsync("the object's close"));
        await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);

        // The upgrade is counted as a request when its socket ends, with the status the client got (101).
        var metrics = "";
        for (var i = 0; i < 100 && !metrics.Contains("durable_http_requests_total{namespace=\"probe\",status=\"101\"} 1"); i++)
        {
            await Task.Delay(50);
            metrics = await host.Client.GetStringAsync("/metrics");
        }
        Assert.Contains("durable_http_requests_total{namespace=\"probe\",status=\"101\"} 1", metrics);
        Assert.Contains("durable_sockets_closed_total{code=\"1000\"} 1", metrics); // the code of the client's answering close
    }

    [Fact]
    public async Task A_lean_socket_is_closed_with_1009_past_the_message_limit()
    {
        await using var host = await SocketHost.StartAsync(sockets: o => o.MaxMessageSize = 1024);
        await using var raw = await RawUpgrade.SendAsync(host.Address, RawUpgrade.Head("/ns/echo/name/big/websocket"));
        using var ws = raw.Socket();
        await ws.SendAsync(new byte[2048], WebSocketMessageType.Binary, true, CancellationToken.None);

        Assert.Equal(1009, await ws.ReceiveCloseAsync("close for a message over the limit"));
    }

    [Fact]
    public async Task Stopping_the_node_ends_a_lean_socket_as_it_ends_one_through_Kestrel()
    {
        var host = await SocketHost.StartAsync(
            objects: o => o.ShutdownTimeout = TimeSpan.FromSeconds(1),
            services: s => s.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1)));
        host.Services.GetRequiredService<LeanHandshake>().PeekTimeout = TimeSpan.FromMilliseconds(100);
        await using var lean = await RawUpgrade.SendAsync(host.Address, RawUpgrade.Head("/ns/echo/name/stop-lean/websocket"));
        await using var kestrel = await RawUpgrade.ConnectAsync(host.Address);
        var head = RawUpgrade.Head("/ns/echo/name/stop-kestrel/websocket");
        await kestrel.SendAsync(head[..20]);
        await Task.Delay(400); // past the peek timeout: Kestrel answers
        await kestrel.SendAsync(head[20..]);
        await kestrel.ReadHeadAsync();
        Assert.False(lean.Headers.ContainsKey("Server"));
        Assert.Equal("Kestrel", kestrel.Headers["Server"]);
        using var a = lean.Socket();
        using var b = kestrel.Socket();

        var stopping = host.DisposeAsync().AsTask();
        var ends = await Task.WhenAll(EndAsync(a), EndAsync(b));
        await stopping;

        Assert.Equal(ends[1], ends[0]);
    }

    /// <summary>How the server ended the socket: a close frame (code, reason), or the connection dropped.</summary>
    private static async Task<string> EndAsync(WebSocket ws)
    {
        try
        {
            var (type, text) = await ws.ReceiveAsync("the socket's end while the node stops", 20_000);
            return $"{type} {text}";
        }
        catch (WebSocketException error)
        {
            return $"dropped ({error.WebSocketErrorCode})";
        }
    }

    private static async Task AssertEchoesAsync(RawUpgrade raw, string text)
    {
        using var ws = raw.Socket();
        await ws.SendTextAsync(text);
        Assert.Equal(text, await ws.ReceiveTextAsync("echo"));
    }

    private static async Task AssertHealthyAsync(SocketHost host) =>
        Assert.Equal("ok", await host.Client.GetStringAsync("/healthz"));
}
