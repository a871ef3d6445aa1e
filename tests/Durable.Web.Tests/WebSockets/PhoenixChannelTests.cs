using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Web.Tests.WebSockets;

/// <summary>The Phoenix channels socket end to end, rule by rule of the contract.</summary>
public sealed class PhoenixChannelTests
{
    [Fact]
    public async Task Heartbeat_on_topic_phoenix_is_replied_ok()
    {
        await using var host = await SocketHost.StartAsync();
        using var client = await PhoenixClient.ConnectAsync(host);
        var @ref = await client.SendAsync(null, "phoenix", "heartbeat");
        var frame = await client.ReceiveAsync("heartbeat reply");
        Assert.Equal($"[null,\"{@ref}\",\"phoenix\",\"phx_reply\",{{\"status\":\"ok\",\"response\":{{}}}}]", frame.GetRawText());
    }

    [Fact]
    public async Task Join_runs_the_objects_callback_and_pushes_follow_the_reply()
    {
        await using var host = await SocketHost.StartAsync();
        using var client = await PhoenixClient.ConnectAsync(host);
        await client.SendJoinAsync("probe:room1", "7");
        var reply = await client.ReceiveAsync("join reply");
        Assert.Equal("""["7","7","probe:room1","phx_reply",{"status":"ok","response":{"joined":"probe:room1"}}]""", reply.GetRawText());
        var welcome = await client.ReceiveAsync("welcome push");
        Assert.Equal("""["7",null,"probe:room1","welcome",{"topic":"probe:room1"}]""", welcome.GetRawText());

        var @ref = await client.SendAsync("7", "probe:room1", "ping", new { n = 1 });
        var (status, response) = await client.ReplyAsync(@ref, "ping reply");
        Assert.Equal("ok", status);
        Assert.Equal("""{"pong":{"n":1}}""", response.GetRawText());
    }

    [Fact]
    public async Task Join_denied_by_the_object_replies_error_with_its_reason()
    {
        await using var host = await SocketHost.StartAsync();
        using var client = await PhoenixClient.ConnectAsync(host);
        var @ref = await client.SendJoinAsync("probe:deny", "1", new { deny = true });
        var (status, response) = await client.ReplyAsync(@ref, "denied join");
        Assert.Equal("error", status);
        Assert.Equal("""{"reason":"denied by probe"}""", response.GetRawText());
        var after = await client.SendAsync("1", "probe:deny", "ping");
        Assert.Equal("""{"reason":"unmatched topic"}""", (await client.ReplyAsync(after, "event after denied join")).Response.GetRawText());
    }

    [Theory]
    [InlineData("nosuch:room")]
    [InlineData("nocolon")]
    [InlineData("chat:")]
    public async Task Joining_an_unknown_namespace_replies_unknown_topic(string topic)
    {
        await using var host = await SocketHost.StartAsync();
        using var client = await PhoenixClient.ConnectAsync(host);
        var @ref = await client.SendJoinAsync(topic, "1");
        var (status, response) = await client.ReplyAsync(@ref, "join reply");
        Assert.Equal("error", status);
        Assert.Equal("""{"reason":"unknown topic"}""", response.GetRawText());
    }

    [Fact]
    public async Task Event_for_a_topic_not_joined_replies_unmatched_topic()
    {
        await using var host = await SocketHost.StartAsync();
        using var client = await PhoenixClient.ConnectAsync(host);
        var @ref = await client.SendAsync("1", "chat:lobby", "new_msg", new { body = "hi" });
        var (status, response) = await client.ReplyAsync(@ref, "unmatched reply");
        Assert.Equal("error", status);
        Assert.Equal("""{"reason":"unmatched topic"}""", response.GetRawText());
        var leave = await client.SendAsync("1", "chat:lobby", "phx_leave");
        Assert.Equal("error", (await client.ReplyAsync(leave, "leave of unjoined topic")).Status);
    }

    [Theory]
    [InlineData("""["1","1","chat:a","phx_join"]""")]
    [InlineData("""{"topic":"chat:a"}""")]
    [InlineData("""not json""")]
    [InlineData("""["1","1","chat:a","phx_join",{}] trailing""")]
    [InlineData("""[1,"1",2,"phx_join",{}]""")]
    public async Task A_frame_that_is_not_a_5_element_array_closes_with_1007(string text)
    {
        await using var host = await SocketHost.StartAsync();
        using var client = await PhoenixClient.ConnectAsync(host);
        await client.Socket.SendTextAsync(text);
        Assert.Equal(WebSocketCloseCodes.InvalidPayload, await client.Socket.ReceiveCloseAsync("close 1007"));
    }

    [Fact]
    public async Task A_binary_frame_closes_with_1003()
    {
        await using var host = await SocketHost.StartAsync();
        using var client = await PhoenixClient.ConnectAsync(host);
        await client.Socket.SendAsync(Encoding.UTF8.GetBytes("""[null,"1","phoenix","heartbeat",{}]"""), WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal(WebSocketCloseCodes.UnsupportedData, await client.Socket.ReceiveCloseAsync("close 1003"));
    }

    [Fact]
    public async Task Leave_is_replied_ok_then_phx_close()
    {
        await using var host = await SocketHost.StartAsync();
        using var client = await PhoenixClient.ConnectAsync(host);
        await client.JoinAsync("chat:leaving", "3");
        var @ref = await client.SendAsync("3", "chat:leaving", "phx_leave");
        Assert.Equal("ok", (await client.ReplyAsync(@ref, "leave reply")).Status);
        var close = await client.EventAsync("chat:leaving", "phx_close");
        Assert.Equal("3", close[0].GetString());
        var after = await client.SendAsync("3", "chat:leaving", "new_msg", new { body = "x" });
        Assert.Equal("""{"reason":"unmatched topic"}""", (await client.ReplyAsync(after, "event after leave")).Response.GetRawText());
    }

    [Fact]
    public async Task Callback_crash_sends_phx_error_and_ends_the_membership()
    {
        await using var host = await SocketHost.StartAsync();
        using var client = await PhoenixClient.ConnectAsync(host);
        await client.JoinAsync("probe:crashy", "5");
        await client.SendAsync("5", "probe:crashy", "crash");
        var error = await client.EventAsync("probe:crashy", "phx_error");
        Assert.Equal("5", error[0].GetString());
        await client.JoinAsync("probe:crashy", "6");
    }

    [Fact]
    public async Task Silent_socket_is_closed_after_the_heartbeat_timeout()
    {
        // Virtual time: the sweep and the sockets' last-seen stamps run on the runtime's clock, so only Advance moves them.
        var clock = new Durable.TestKit.VirtualClock();
        await using var host = await SocketHost.StartAsync(
            sockets: s => s.PhoenixHeartbeatTimeout = TimeSpan.FromMilliseconds(400),
            services: services => services.AddSingleton<TimeProvider>(clock));
        using var live = await PhoenixClient.ConnectAsync(host);
        using var silent = await PhoenixClient.ConnectAsync(host);

        for (var i = 0; i < 4; i++)
        {
            // A beat every 300 ms of virtual time keeps the live socket within the 400 ms timeout.
            clock.Advance(TimeSpan.FromMilliseconds(300));
            var @ref = await live.SendAsync(null, "phoenix", "heartbeat");
            await live.ReplyAsync(@ref, "heartbeat reply");
        }

        Assert.Equal(WebSocketCloseCodes.GoingAway, await silent.Socket.ReceiveCloseAsync("heartbeat timeout close"));
        Assert.Equal(WebSocketState.Open, live.Socket.State);
        var last = await live.SendAsync(null, "phoenix", "heartbeat");
        await live.ReplyAsync(last, "heartbeat reply after the silent socket was closed");
    }

    [Fact]
    public async Task Broadcast_reaches_every_subscriber_also_after_hibernation()
    {
        await using var host = await SocketHost.StartAsync(objects: o => o.IdleTimeout = TimeSpan.FromMilliseconds(300));
        using var a = await PhoenixClient.ConnectAsync(host);
        using var b = await PhoenixClient.ConnectAsync(host);
        await a.JoinAsync("probe:news", "1");
        await b.JoinAsync("probe:news", "1");
        await host.WaitPassivatedAsync("probe", "news");

        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.PostAsync("/ns/probe/name/news/broadcast?extra", null)).StatusCode);
        foreach (var client in new[] { a, b })
        {
            var frame = await client.EventAsync("probe:news", "news");
            Assert.Equal("""[null,null,"probe:news","news",{"text":"extra"}]""", frame.GetRawText());
        }
    }

    [Fact]
    public async Task Chat_is_one_room_for_raw_sockets_and_phoenix_subscribers()
    {
        await using var host = await SocketHost.StartAsync();
        using var raw = await host.ConnectAsync("/ns/chat/name/mixed/websocket");
        await raw.SendTextAsync("first");
        Assert.Equal("first", await raw.ReceiveTextAsync("own raw message"));

        using var phx = await PhoenixClient.ConnectAsync(host);
        using var other = await PhoenixClient.ConnectAsync(host);
        var joined = await phx.JoinAsync("chat:mixed", "1");
        Assert.Equal("first", joined.GetProperty("messages")[0].GetProperty("body").GetString());
        await other.JoinAsync("chat:mixed", "1");

        var @ref = await phx.SendAsync("1", "chat:mixed", "new_msg", new { body = "from phoenix" });
        Assert.Equal("ok", (await phx.ReplyAsync(@ref, "new_msg reply")).Status);
        Assert.Equal("from phoenix", (await other.EventAsync("chat:mixed", "new_msg"))[4].GetProperty("body").GetString());
        Assert.Equal("from phoenix", await raw.ReceiveTextAsync("phoenix message on raw socket"));

        await raw.SendTextAsync("from raw");
        Assert.Equal("from raw", await raw.ReceiveTextAsync("raw echo to sender"));
        var pushed = await other.EventAsync("chat:mixed", "new_msg");
        Assert.Equal("from raw", pushed[4].GetProperty("body").GetString());
        Assert.True(pushed[4].GetProperty("at").GetInt64() > 0);

        var bad = await phx.SendAsync("1", "chat:mixed", "new_msg", new { text = "no body" });
        Assert.Equal("error", (await phx.ReplyAsync(bad, "invalid new_msg")).Status);
    }
}
