using System.Net;
using System.Net.WebSockets;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Durable.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Durable.Web.Tests.WebSockets;

/// <summary>
/// Three nodes as the program builds them (real Kestrel edges) forming one Akka cluster on 127.0.0.1 (static seed, one
/// journal schema of their own on the shared test PostgreSQL): client sockets whose object lives on the other node.
/// </summary>
public sealed class SocketClusterTests : IAsyncLifetime
{
    private const int Size = 3;
    private readonly string _schema = "sockets_" + Guid.NewGuid().ToString("n")[..16];
    private readonly List<SocketHost> _nodes = [];
    private string _connectionString = "";

    public async Task InitializeAsync()
    {
        var server = PostgresServer.ConnectionString;
        await ExecuteAsync(server, $"CREATE SCHEMA {_schema}");
        _connectionString = new NpgsqlConnectionStringBuilder(server) { SearchPath = _schema }.ConnectionString;
        var ports = LoopbackPorts.Free(Size);
        foreach (var port in ports)
        {
            var seeds = ConfigurationFactory.ParseString($"""
                akka.remote.dot-netty.tcp.hostname = 127.0.0.1
                akka.remote.dot-netty.tcp.port = {port}
                akka.cluster.seed-nodes = ["akka.tcp://durable@127.0.0.1:{ports[0]}"]
                """);
            _nodes.Add(await SocketHost.StartAsync(
                objects: o => o.IdleTimeout = TimeSpan.FromMilliseconds(500),
                services: s => s.Configure<DurableIdOptions>(o => o.Secret = "socket-cluster-tests-secret-0123456789"),
                engine: b => b.UseAkkaObjects(ObjectJournal.Postgres(_ => _connectionString), seeds)));
        }
        await Task.WhenAll(_nodes.Select(WhenRegionsKnowBothAsync));
    }

    public async Task DisposeAsync()
    {
        for (var i = _nodes.Count - 1; i >= 0; i--) await _nodes[i].DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        if (PostgresServer.Configured is { } server)
            await ExecuteAsync(server, $"DROP SCHEMA IF EXISTS {_schema} CASCADE");
    }

    [Fact]
    public async Task A_socket_whose_object_is_on_the_other_node_gets_its_echo_and_keeps_tags_and_attachment_across_hibernation()
    {
        var (edge, owner, name) = await ObjectOnOtherNodeAsync("probe", "echo");
        using var ws = await edge.ConnectAsync($"/ns/probe/name/{name}/ws?red,blue");

        await ws.SendTextAsync("echo:hello");
        Assert.Equal("hello", await ws.ReceiveTextAsync("echo from the other node"));
        await ws.SendTextAsync("tags");
        Assert.Equal("red,blue", await ws.ReceiveTextAsync("tags"));
        await ws.SendTextAsync("attach:alice");
        Assert.Equal("attached", await ws.ReceiveTextAsync("attach ack"));

        await owner.WaitPassivatedAsync("probe", name);
        Assert.Equal(WebSocketState.Open, ws.State);
        await ws.SendTextAsync("attachment");
        Assert.Equal("alice", await ws.ReceiveTextAsync("attachment after hibernation"));
        await ws.SendTextAsync("count");
        Assert.Equal("1", await ws.ReceiveTextAsync("sockets after hibernation"));
        await ws.SendTextAsync("tags");
        Assert.Equal("red,blue", await ws.ReceiveTextAsync("tags after hibernation"));
        // Every turn ran on the owner; the edge's node never had the object.
        Assert.False(edge.IsActive("probe", name));
    }

    [Fact]
    public async Task A_chat_socket_on_each_node_sees_every_message()
    {
        var (_, _, name) = await ObjectOnOtherNodeAsync("chat", "room");
        var sockets = new List<ClientWebSocket>();
        foreach (var node in _nodes) sockets.Add(await node.ConnectAsync($"/ns/chat/name/{name}/websocket"));
        var sent = new List<string>();
        for (var i = 0; i < sockets.Count; i++)
        {
            sent.Add($"from node {i + 1}");
            await sockets[i].SendTextAsync(sent[^1]);
        }
        foreach (var ws in sockets)
        {
            var seen = new List<string>();
            for (var i = 0; i < sent.Count; i++) seen.Add(await ws.ReceiveTextAsync($"chat message {i + 1}"));
            Assert.Equal(sent.Order(), seen.Order());
        }
        var history = await _nodes[0].Client.GetStringAsync($"/ns/chat/name/{name}/messages");
        Assert.All(sent, text => Assert.Contains(text, history));
        sockets.ForEach(ws => ws.Dispose());
    }

    [Fact]
    public async Task After_its_owner_node_leaves_the_object_sees_its_sockets_on_both_other_nodes_with_tags_and_attachments()
    {
        var (edge, owner, name) = await ObjectOnOtherNodeAsync("probe", "moved");
        var third = _nodes.Single(n => n != edge && n != owner);
        using var a = await edge.ConnectAsync($"/ns/probe/name/{name}/ws?on-a");
        using var c = await third.ConnectAsync($"/ns/probe/name/{name}/ws?on-c");
        await a.SendTextAsync("attach:alice");
        Assert.Equal("attached", await a.ReceiveTextAsync("attach ack a"));
        await c.SendTextAsync("attach:carol");
        Assert.Equal("attached", await c.ReceiveTextAsync("attach ack c"));
        await a.SendTextAsync("count");
        Assert.Equal("2", await a.ReceiveTextAsync("two sockets at the first owner"));
        using (var set = await edge.Client.PostAsync($"/ns/probe/name/{name}/autoresponse", null))
            Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        await a.SendTextAsync("echo:pair-told"); // after this echo the edge has the pair
        Assert.Equal("pair-told", await a.ReceiveTextAsync("echo after the auto-response was set"));
        await a.SendTextAsync("ping");
        Assert.Equal("pong", await a.ReceiveTextAsync("auto-response at the edge"));

        // The owner leaves the cluster gracefully: the object's shard moves to one of the other two nodes, where it
        // starts without having seen the socket held on the third.
        _nodes.Remove(owner);
        await owner.DisposeAsync();

        // The first event after the move is a request, not a socket message (which would bring its own socket along).
        Assert.Equal("2", await edge.Client.GetStringAsync($"/ns/probe/name/{name}/count"));
        // The new owner got the auto-response timestamp of a with its descriptor.
        Assert.Equal("1", await edge.Client.GetStringAsync($"/ns/probe/name/{name}/autoresponse-at"));
        await a.SendTextAsync("count");
        Assert.Equal("2", await a.ReceiveTextAsync("two sockets at the new owner"));
        Assert.True(edge.IsActive("probe", name) || third.IsActive("probe", name));
        foreach (var (ws, tag, attachment) in new[] { (a, "on-a", "alice"), (c, "on-c", "carol") })
        {
            await ws.SendTextAsync("tags");
            Assert.Equal(tag, await ws.ReceiveTextAsync("tags at the new owner"));
            await ws.SendTextAsync("attachment");
            Assert.Equal(attachment, await ws.ReceiveTextAsync("attachment at the new owner"));
        }
        await c.SendTextAsync("all:to everyone");
        Assert.Equal("to everyone", await a.ReceiveTextAsync("message to all sockets, on a"));
        Assert.Equal("to everyone", await c.ReceiveTextAsync("message to all sockets, on c"));
    }

    [Fact]
    public async Task A_socket_closed_by_its_client_leaves_its_object_on_the_other_node()
    {
        var (edge, owner, name) = await ObjectOnOtherNodeAsync("probe", "leave");
        using var staying = await owner.ConnectAsync($"/ns/probe/name/{name}/ws");
        using (var leaving = await edge.ConnectAsync($"/ns/probe/name/{name}/ws"))
        {
            await leaving.SendTextAsync("count");
            Assert.Equal("2", await leaving.ReceiveTextAsync("two sockets"));
            await leaving.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
        var closes = SocketProbe.Closes.GetOrAdd(name, _ => new());
        var until = DateTime.UtcNow.AddSeconds(10);
        while (closes.IsEmpty && DateTime.UtcNow < until) await Task.Delay(20);
        Assert.Equal(["1000 done True"], closes.ToArray());
        await staying.SendTextAsync("count");
        Assert.Equal("1", await staying.ReceiveTextAsync("one socket left"));
    }

    [Fact]
    public async Task An_auto_response_is_answered_at_the_edge_without_waking_the_object_on_the_other_node_which_sees_its_timestamp()
    {
        var (edge, owner, name) = await ObjectOnOtherNodeAsync("probe", "auto");
        using (var set = await edge.Client.PostAsync($"/ns/probe/name/{name}/autoresponse", null))
            Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        using var ws = await edge.ConnectAsync($"/ns/probe/name/{name}/ws");
        // The pair was told to the socket actor before any frame of the object's: after this echo the edge has it.
        await ws.SendTextAsync("echo:ready");
        Assert.Equal("ready", await ws.ReceiveTextAsync("echo"));
        Assert.Equal("0", await edge.Client.GetStringAsync($"/ns/probe/name/{name}/autoresponse-at"));
        await owner.WaitPassivatedAsync("probe", name);

        for (var i = 0; i < 3; i++)
        {
            await ws.SendTextAsync("ping");
            Assert.Equal("pong", await ws.ReceiveTextAsync("auto-response"));
        }
        Assert.False(owner.IsActive("probe", name));
        Assert.False(edge.IsActive("probe", name));

        // The edge reported the answers to the owner's node without waking the object; its next turn sees the timestamp.
        var until = DateTime.UtcNow.AddSeconds(10);
        string seen;
        while ((seen = await edge.Client.GetStringAsync($"/ns/probe/name/{name}/autoresponse-at")) != "1" && DateTime.UtcNow < until)
            await Task.Delay(20);
        Assert.Equal("1", seen);
        Assert.False(edge.IsActive("probe", name));
    }

    [Fact]
    public async Task A_socket_and_a_subscriber_whose_object_is_on_another_node_count_as_open_once_at_their_edge()
    {
        var (edge, owner, name) = await ObjectOnOtherNodeAsync("probe", "gauge");
        var third = _nodes.Single(n => n != edge && n != owner);
        using var ws = await edge.ConnectAsync($"/ns/probe/name/{name}/ws");
        await ws.SendTextAsync("count");
        Assert.Equal("1", await ws.ReceiveTextAsync("the object holds the socket"));
        using var subscriber = await PhoenixClient.ConnectAsync(edge);
        await subscriber.JoinAsync($"probe:{name}", "1");

        Assert.Equal((2, 0, 0), (edge.Runtime.Sockets.OpenCount, owner.Runtime.Sockets.OpenCount, third.Runtime.Sockets.OpenCount));

        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        await subscriber.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        var until = DateTime.UtcNow.AddSeconds(10);
        while (edge.Runtime.Sockets.OpenCount != 0 && DateTime.UtcNow < until) await Task.Delay(20);
        Assert.Equal((0, 0, 0), (edge.Runtime.Sockets.OpenCount, owner.Runtime.Sockets.OpenCount, third.Runtime.Sockets.OpenCount));
    }

    [Fact]
    public async Task A_phoenix_subscriber_on_another_node_gets_every_broadcast_and_its_push_after_the_join_reply()
    {
        var (edge, owner, name) = await ObjectOnOtherNodeAsync("probe", "phx");
        var topic = $"probe:{name}";
        using var far = await PhoenixClient.ConnectAsync(edge);
        using var near = await PhoenixClient.ConnectAsync(owner);
        // The object pushes "welcome" inside its join callback, on the other node: the client sees the reply first.
        await far.SendJoinAsync(topic, "1");
        var reply = await far.ReceiveAsync("join reply");
        Assert.Equal("phx_reply", reply[3].GetString());
        Assert.Equal("ok", reply[4].GetProperty("status").GetString());
        var welcome = await far.ReceiveAsync("welcome push");
        Assert.Equal($$"""["1",null,"{{topic}}","welcome",{"topic":"{{topic}}"}]""", welcome.GetRawText());
        await near.JoinAsync(topic, "1");

        for (var i = 0; i < 5; i++)
        {
            using (var sent = await edge.Client.PostAsync($"/ns/probe/name/{name}/broadcast?n{i}", null))
                Assert.Equal(HttpStatusCode.NoContent, sent.StatusCode);
            foreach (var client in new[] { far, near })
                Assert.Equal($$"""[null,null,"{{topic}}","news",{"text":"n{{i}}"}]""", (await client.EventAsync(topic, "news")).GetRawText());
        }
        // An event from the far subscriber runs on the other node; its broadcast reaches both.
        var shout = await far.SendAsync("1", topic, "shout", new { x = 1 });
        var farFrames = new List<string>();
        for (var i = 0; i < 2; i++) farFrames.Add((await far.ReceiveAsync("shout reply and broadcast")).GetRawText());
        // The broadcast leaves when the callback ran, the reply when it returned: either may arrive first.
        Assert.Contains($"[\"1\",\"{shout}\",\"{topic}\",\"phx_reply\",{{\"status\":\"ok\",\"response\":{{}}}}]", farFrames);
        Assert.Contains($"[null,null,\"{topic}\",\"shout\",{{\"x\":1}}]", farFrames);
        Assert.Equal($"[null,null,\"{topic}\",\"shout\",{{\"x\":1}}]", (await near.EventAsync(topic, "shout")).GetRawText());

        // Hibernated on its node: the subscriber is still there for the next broadcast.
        await owner.WaitPassivatedAsync("probe", name);
        using (var sent = await edge.Client.PostAsync($"/ns/probe/name/{name}/broadcast?later", null))
            Assert.Equal(HttpStatusCode.NoContent, sent.StatusCode);
        Assert.Equal($$"""[null,null,"{{topic}}","news",{"text":"later"}]""", (await far.EventAsync(topic, "news")).GetRawText());
    }

    [Fact]
    public async Task After_its_owner_node_leaves_a_broadcast_reaches_the_phoenix_subscribers_on_both_other_nodes()
    {
        var (edge, owner, name) = await ObjectOnOtherNodeAsync("probe", "phx-moved");
        var third = _nodes.Single(n => n != edge && n != owner);
        var topic = $"probe:{name}";
        using var b = await PhoenixClient.ConnectAsync(edge);
        using var c = await PhoenixClient.ConnectAsync(third);
        await b.JoinAsync(topic, "1");
        await c.JoinAsync(topic, "1");
        foreach (var client in new[] { b, c }) await client.EventAsync(topic, "welcome");

        // The owner leaves gracefully: the shard moves to one of the other two nodes, where the object starts without
        // having seen either subscriber (both joins ran on the old owner).
        _nodes.Remove(owner);
        await owner.DisposeAsync();

        // The first events after the move are broadcasts (requests), not channel messages (which would bring their
        // subscriber along).
        for (var i = 0; i < 3; i++)
        {
            using (var sent = await edge.Client.PostAsync($"/ns/probe/name/{name}/broadcast?moved{i}", null))
                Assert.Equal(HttpStatusCode.NoContent, sent.StatusCode);
            foreach (var client in new[] { b, c })
                Assert.Equal($$"""[null,null,"{{topic}}","news",{"text":"moved{{i}}"}]""", (await client.EventAsync(topic, "news")).GetRawText());
        }
        Assert.True(edge.IsActive("probe", name) || third.IsActive("probe", name));
        Assert.Equal(WebSocketState.Open, b.Socket.State);
        Assert.Equal(WebSocketState.Open, c.Socket.State);
    }

    /// <summary>A fresh object name whose object lives on one node (owner) and is not on the other (edge).</summary>
    private async Task<(SocketHost Edge, SocketHost Owner, string Name)> ObjectOnOtherNodeAsync(string ns, string prefix)
    {
        for (var i = 0; i < 64; i++)
        {
            var name = $"{prefix}-{Guid.NewGuid():n}";
            var path = ns == "chat" ? $"/ns/chat/name/{name}/messages" : $"/ns/probe/name/{name}/count";
            using var response = await _nodes[0].Client.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}");
            if (_nodes[1].IsActive(ns, name)) return (_nodes[0], _nodes[1], name);
        }
        throw new InvalidOperationException("no object landed on the second node in 64 tries");
    }

    private static async Task WhenRegionsKnowBothAsync(SocketHost node)
    {
        var objects = node.Runtime.Objects!;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (var region in objects.Regions.Values.Append(objects.Books.Region))
        {
            while ((await region.Ask<CurrentRegions>(GetCurrentRegions.Instance, TimeSpan.FromSeconds(10))).Regions.Count < Size)
            {
                if (DateTime.UtcNow > until) throw new TimeoutException($"region {region.Path.Name} did not learn of {Size} nodes within 60 s");
                await Task.Delay(50);
            }
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
