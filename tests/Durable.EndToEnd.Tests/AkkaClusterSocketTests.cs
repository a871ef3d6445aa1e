using System.Net.WebSockets;
using System.Text.Json;
using Durable.Web.Tests.WebSockets;

namespace Durable.EndToEnd.Tests;

/// <summary>
/// Client sockets on a 3-node cluster (real node processes): sockets
/// and Phoenix subscribers talk to their object on whichever node it lives, through sharding and remoting only.
/// </summary>
[Collection("cluster processes")]
public sealed class AkkaClusterSocketTests
{
    [Fact]
    public async Task A_chat_socket_and_a_phoenix_subscriber_on_each_of_three_nodes_see_every_message()
    {
        await using var cluster = await AkkaClusterNodes.StartAsync(3);
        await AkkaClusterNodes.WaitAgreedAsync(cluster.Clients, null, 3, TimeSpan.FromSeconds(45), "formation");
        const string room = "akka-xws-room";
        var raw = new List<ClientWebSocket>();
        var phoenix = new List<PhoenixClient>();
        try
        {
            foreach (var node in cluster.Nodes)
            {
                raw.Add(await ConnectAsync(node, $"/ns/chat/name/{room}/websocket"));
                var client = new PhoenixClient(await ConnectAsync(node, "/socket/websocket?vsn=2.0.0"));
                phoenix.Add(client);
                await client.JoinAsync($"chat:{room}");
            }
            // Whichever node has the room, the sockets of at least two nodes are on other nodes.
            var sent = new List<string>();
            for (var i = 0; i < raw.Count; i++)
            {
                sent.Add($"from node {i + 1}");
                await raw[i].SendTextAsync(sent[^1]);
            }
            for (var i = 0; i < raw.Count; i++)
            {
                var seen = new List<string>();
                for (var j = 0; j < sent.Count; j++) seen.Add(await raw[i].ReceiveTextAsync($"message {j + 1} on the socket of node {i + 1}"));
                Assert.Equal(sent.Order(), seen.Order());
            }
            for (var i = 0; i < phoenix.Count; i++)
            {
                var seen = new List<string>();
                for (var j = 0; j < sent.Count; j++)
                {
                    var frame = await phoenix[i].EventAsync($"chat:{room}", "new_msg");
                    Assert.Equal(JsonValueKind.Null, frame[0].ValueKind);
                    seen.Add(frame[4].GetProperty("body").GetString()!);
                }
                Assert.Equal(sent.Order(), seen.Order());
            }
        }
        finally
        {
            raw.ForEach(ws => ws.Dispose());
            phoenix.ForEach(client => client.Dispose());
        }
    }

    [Fact]
    public async Task An_echo_socket_reaches_its_object_from_every_node_and_a_close_code_travels_both_ways()
    {
        await using var cluster = await AkkaClusterNodes.StartAsync(3);
        await AkkaClusterNodes.WaitAgreedAsync(cluster.Clients, null, 3, TimeSpan.FromSeconds(45), "formation");
        foreach (var node in cluster.Nodes)
        {
            using var ws = await ConnectAsync(node, "/ns/echo/name/akka-xws-echo/websocket");
            await ws.SendTextAsync("hello");
            Assert.Equal("hello", await ws.ReceiveTextAsync("the echo of a text message"));
            await ws.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
            var (type, bytes) = await ws.ReceiveAsync("the echo of a binary message");
            Assert.Equal(WebSocketMessageType.Binary, type);
            Assert.Equal("\u0001\u0002\u0003", bytes);
            await ws.CloseOutputAsync((WebSocketCloseStatus)4000, "bye", CancellationToken.None);
            Assert.Equal(4000, await ws.ReceiveCloseAsync("the answer to close 4000"));
        }
    }

    private static async Task<ClientWebSocket> ConnectAsync(NodeProcess node, string path)
    {
        var ws = new ClientWebSocket();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await ws.ConnectAsync(new Uri($"ws://{node.Address.Authority}{path}"), timeout.Token);
            return ws;
        }
        catch
        {
            ws.Dispose();
            throw;
        }
    }
}
