using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Durable.Web.Tests.WebSockets;

namespace Durable.EndToEnd.Tests;

/// <summary>Object WebSockets and Phoenix channels whose clients are on another node than the object, with real node
/// processes on loopback and a real PostgreSQL. Every wait is bounded and names what it waited for.</summary>
[Collection("cluster processes")]
public sealed class ClusterSocketTests
{
    [Fact]
    public async Task A_websocket_on_one_node_reaches_its_object_on_another()
    {
        await using var cluster = await ClusterNodes.StartAsync(3);
        const string echo = "xws-echo";
        var owner = await cluster.OwnerOfAsync("echo", echo);
        var edge = cluster.Nodes[(owner + 1) % 3];
        var echoPath = $"/ns/echo/name/{echo}/websocket";

        using (var ws = await ConnectAsync(edge, echoPath))
        {
            await ws.SendTextAsync("hello");
            Assert.Equal("hello", await ws.ReceiveTextAsync("the echo of a text message"));
            await ws.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
            var (type, bytes) = await ws.ReceiveAsync("the echo of a binary message");
            Assert.Equal(WebSocketMessageType.Binary, type);
            Assert.Equal("\u0001\u0002\u0003", bytes);
            // The client's close code travels to the owner, and the owner's answer comes back with it.
            await ws.CloseOutputAsync((WebSocketCloseStatus)4000, "bye", CancellationToken.None);
            Assert.Equal(4000, await ws.ReceiveCloseAsync("the answer to close 4000"));
        }
        using (var ws = await ConnectAsync(edge, echoPath))
        {
            await ws.SendTextAsync(new string('x', (1 << 20) + 1));
            Assert.Equal(1009, await ws.ReceiveCloseAsync("1009 for a message over the 1 MiB limit"));
        }

        // Raw chat sockets on the owner and on another node are one room.
        const string room = "xws-room";
        var roomOwner = await cluster.OwnerOfAsync("chat", room);
        using var far = await ConnectAsync(cluster.Nodes[(roomOwner + 2) % 3], $"/ns/chat/name/{room}/websocket");
        using var near = await ConnectAsync(cluster.Nodes[roomOwner], $"/ns/chat/name/{room}/websocket");
        await far.SendTextAsync("from afar");
        Assert.Equal("from afar", await far.ReceiveTextAsync("the room's copy of the relayed socket's message"));
        Assert.Equal("from afar", await near.ReceiveTextAsync("the relayed socket's message at the owner"));
        await near.SendTextAsync("from home");
        Assert.Equal("from home", await far.ReceiveTextAsync("the owner's message on the relayed socket"));
        Assert.Equal("from home", await near.ReceiveTextAsync("the room's copy of the owner's message"));

        // The owner dies: the relayed socket is told to reconnect (1012), and the next connect reaches the new owner.
        using (var doomed = await ConnectAsync(edge, echoPath))
        {
            await doomed.SendTextAsync("before");
            Assert.Equal("before", await doomed.ReceiveTextAsync("an echo before the owner was killed"));
            cluster.Nodes[owner].Kill();
            Assert.Equal(1012, await doomed.ReceiveCloseAsync("1012 once the owner was killed"));
        }
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var again = await ConnectAsync(edge, echoPath);
                await again.SendTextAsync("after");
                Assert.Equal("after", await again.ReceiveTextAsync("an echo from the new owner"));
                break;
            }
            catch (WebSocketException) when (watch.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(100);
            }
        }
    }

    [Fact]
    public async Task Sockets_whose_shard_moves_to_a_joining_node_are_told_to_reconnect_and_the_others_stay_open()
    {
        await using var cluster = await ClusterNodes.StartAsync(2);
        var sockets = new List<(string Name, int Owner, ClientWebSocket Socket)>();
        try
        {
            // 24 objects over 1,024 shards: a third of the shards move to the new node, so some of these do and some
            // do not (all staying has probability (2/3)^24, about 6e-5).
            foreach (var name in Enumerable.Range(0, 24).Select(i => $"move{i}"))
            {
                var owner = await cluster.OwnerOfAsync("echo", name);
                var socket = await ConnectAsync(cluster.Nodes[owner], $"/ns/echo/name/{name}/websocket");
                sockets.Add((name, owner, socket));
                await socket.SendTextAsync("before");
                Assert.Equal("before", await socket.ReceiveTextAsync($"an echo on {name} before the join"));
            }

            await cluster.AddNodeAsync();
            await cluster.WaitAllocatedAsync(3, TimeSpan.FromSeconds(30));

            var moved = 0;
            foreach (var (name, before, socket) in sockets)
            {
                if (await cluster.OwnerOfAsync("echo", name) != before)
                {
                    moved++;
                    Assert.Equal(1012, await socket.ReceiveCloseAsync($"1012 on {name}, whose shard left node {before}"));
                }
                else
                {
                    await socket.SendTextAsync("after");
                    Assert.Equal("after", await socket.ReceiveTextAsync($"an echo on {name}, whose shard stayed on node {before}"));
                }
            }
            Assert.InRange(moved, 1, sockets.Count - 1);
        }
        finally
        {
            foreach (var (_, _, socket) in sockets) socket.Dispose();
        }
    }

    [Fact]
    public async Task A_phoenix_broadcast_reaches_subscribers_on_all_three_nodes()
    {
        await using var cluster = await ClusterNodes.StartAsync(3);
        const string topic = "chat:xws-phx";
        var owner = await cluster.OwnerOfAsync("chat", "xws-phx");
        var clients = new List<PhoenixClient>();
        try
        {
            foreach (var node in cluster.Nodes)
            {
                var client = new PhoenixClient(await ConnectAsync(node, "/socket/websocket?vsn=2.0.0"));
                clients.Add(client);
                var joined = await client.JoinAsync(topic);
                Assert.Equal(JsonValueKind.Array, joined.GetProperty("messages").ValueKind);
            }
            // Heartbeats are answered by each client's own node.
            foreach (var client in clients)
            {
                var beat = await client.SendAsync(null, "phoenix", "heartbeat");
                Assert.Equal("ok", (await client.ReplyAsync(beat, "the heartbeat reply")).Status);
            }

            var sender = clients[(owner + 1) % 3];
            await sender.SendAsync("j1", topic, "new_msg", new { body = "hello, all nodes" });
            for (var i = 0; i < clients.Count; i++)
            {
                var frame = await clients[i].EventAsync(topic, "new_msg");
                Assert.Equal(JsonValueKind.Null, frame[0].ValueKind);
                Assert.True(frame[4].GetProperty("body").GetString() == "hello, all nodes",
                    $"client on node {i} (owner {owner}) got {frame}");
            }

            // A relayed topic keeps Phoenix's rules: events of a topic not joined are refused, by the owner.
            var stray = await sender.SendAsync("j9", "chat:xws-never-joined", "new_msg", new { body = "?" });
            var (status, response) = await sender.ReplyAsync(stray, "the reply to an event of a topic not joined");
            Assert.Equal("error", status);
            Assert.Equal("unmatched topic", response.GetProperty("reason").GetString());
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    [Fact]
    public async Task A_raw_upgrade_at_a_node_that_does_not_own_the_object_is_relayed_and_a_refusal_keeps_the_JSON_shape()
    {
        await using var cluster = await ClusterNodes.StartAsync(2);
        const string echo = "xws-raw";
        var edge = cluster.Nodes[(await cluster.OwnerOfAsync("echo", echo) + 1) % 2];
        await using (var raw = await RawUpgrade.SendAsync(edge.Address, RawUpgrade.Head($"/ns/echo/name/{echo}/websocket")))
        {
            Assert.Equal(101, raw.Status);
            Assert.Equal("Kestrel", raw.Headers["Server"]);
            Assert.Equal(RawUpgrade.ExpectedAccept, raw.Headers["Sec-WebSocket-Accept"]);
            using var ws = raw.Socket();
            await ws.SendTextAsync("relayed");
            Assert.Equal("relayed", await ws.ReceiveTextAsync("the owner's echo through the relayed socket"));
            await ws.CloseOutputAsync((WebSocketCloseStatus)4000, "bye", CancellationToken.None);
            Assert.Equal(4000, await ws.ReceiveCloseAsync("the owner's answer to close 4000"));
        }

        // The counter does not accept sockets: the owner refuses, and the edge node writes that as the JSON error shape.
        const string counter = "xws-raw-counter";
        var other = cluster.Nodes[(await cluster.OwnerOfAsync("counter", counter) + 1) % 2];
        await using var refused = await RawUpgrade.SendAsync(other.Address, RawUpgrade.Head($"/ns/counter/name/{counter}/", close: true));
        Assert.InRange(refused.Status, 400, 599);
        Assert.StartsWith("application/json", refused.Headers["Content-Type"]);
        Assert.Equal("counter", refused.Headers["X-Durable-Namespace"]);
        var body = JsonDocument.Parse(await refused.ReadToEndAsync()).RootElement;
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("code").GetString()));
    }

    [Fact]
    public async Task The_internal_websocket_routes_refuse_a_request_without_the_cluster_secret()
    {
        await using var cluster = await ClusterNodes.StartAsync(1);
        var node = cluster.Nodes[0];
        using var probe = await cluster.Clients[0].GetAsync("/ns/echo/name/xws-secret/");
        var id = probe.Headers.GetValues("X-Durable-Id").Single();
        foreach (var path in new[] { $"/_internal/ns/echo/id/{id}/websocket", "/_internal/socket/websocket?vsn=2.0.0" })
        {
            foreach (var secret in new[] { null, "not-the-secret" })
            {
                using var ws = new ClientWebSocket();
                ws.Options.CollectHttpResponseDetails = true;
                if (secret is not null) ws.Options.SetRequestHeader("X-Durable-Cluster-Secret", secret);
                await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(ws, node, path));
                Assert.True(ws.HttpStatusCode == HttpStatusCode.Forbidden, $"{path} with secret '{secret}' answered {ws.HttpStatusCode}");
            }
            using var plain = await cluster.Clients[0].GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, plain.StatusCode);
            Assert.Equal("application/json", plain.Content.Headers.ContentType?.MediaType);
            var body = JsonDocument.Parse(await plain.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("forbidden", body.GetProperty("error").GetProperty("code").GetString());
        }
    }

    private static async Task<ClientWebSocket> ConnectAsync(NodeProcess node, string path)
    {
        var ws = new ClientWebSocket();
        try
        {
            await ConnectAsync(ws, node, path);
            return ws;
        }
        catch
        {
            ws.Dispose();
            throw;
        }
    }

    private static async Task ConnectAsync(ClientWebSocket ws, NodeProcess node, string path)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ws.ConnectAsync(new Uri($"ws://{node.Address.Authority}{path}"), timeout.Token);
    }
}
