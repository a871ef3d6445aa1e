using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Akka.Cluster.Sharding;
using Durable.Web.Tests.WebSockets;
using Xunit.Abstractions;

namespace Durable.EndToEnd.Tests;

/// <summary>
/// Client sockets on a 3-node cluster (real node processes): sockets
/// and Phoenix subscribers talk to their object on whichever node it lives, through sharding and remoting only.
/// </summary>
[Collection("cluster processes")]
public sealed class AkkaClusterSocketTests(ITestOutputHelper output)
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

    [Fact]
    public async Task Chat_sockets_stay_open_and_get_every_stored_message_while_room_shards_move_to_a_joining_node()
    {
        // 64 rooms on 2 nodes allocate many of the 64 chat shards (each on the region with the fewest): with N of them, the
        // joining node's region has 0 and the others about N/2 each, more than the optimum of ceil(N/3) from N = 6 on,
        // so Akka's LeastShardAllocationStrategy moves shards to the new node at its next rebalance round (every 10 s; at
        // most min(rebalance-absolute-limit 20, rebalance-relative-limit 0.5 * N) a round, hocon/durable.conf).
        const int roomCount = 64, historyLength = 50, maxRounds = 45;
        var watch = Stopwatch.StartNew();
        await using var cluster = await AkkaClusterNodes.StartAsync(2);
        await AkkaClusterNodes.WaitAgreedAsync(cluster.Clients, null, 2, TimeSpan.FromSeconds(45), "formation of two");
        var rooms = Enumerable.Range(0, roomCount).Select(i => $"move-room-{i:D3}").ToArray();
        var shardOf = new Dictionary<string, string>();
        var shards = new ShardOf(64);
        for (var i = 0; i < rooms.Length; i++)
        {
            using var response = await cluster.Clients[i % 2].GetAsync($"/ns/chat/name/{rooms[i]}/messages");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            shardOf[rooms[i]] = shards.ShardId(response.Headers.GetValues("X-Durable-Id").Single());
        }
        var before = await cluster.ShardOwnersAsync("chat");
        Assert.True(shardOf.Values.Distinct().Count() >= 6, $"the rooms use only {shardOf.Values.Distinct().Count()} shards");
        Assert.All(shardOf.Values.Distinct(), shard => Assert.True(before.ContainsKey(shard), $"shard {shard} has no lease owner"));

        // A raw socket on each of the two nodes for every room, and one Phoenix connection per node joined to every room.
        var raw = new List<RawListener>();
        var phoenix = new List<PhoenixListener>();
        try
        {
            foreach (var room in rooms)
                for (var node = 0; node < 2; node++)
                    raw.Add(new RawListener(room, node, await ConnectAsync(cluster.Nodes[node], $"/ns/chat/name/{room}/websocket")));
            for (var node = 0; node < 2; node++)
            {
                var client = new PhoenixClient(await ConnectAsync(cluster.Nodes[node], "/socket/websocket?vsn=2.0.0"));
                foreach (var room in rooms) await client.JoinAsync($"chat:{room}", $"j-{room}");
                phoenix.Add(new PhoenixListener(node, client));
            }

            var sent = new ConcurrentDictionary<string, ConcurrentBag<string>>();
            var refused = new ConcurrentBag<string>();
            var slowest = new ConcurrentBag<(double Seconds, string Body)>();
            var round = 0;
            async Task RoundAsync(HttpClient[] clients)
            {
                var r = round++;
                var through = r % clients.Length;
                foreach (var listener in phoenix) await listener.Client.SendAsync(null, "phoenix", "heartbeat");
                await Parallel.ForEachAsync(rooms, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (room, _) =>
                {
                    var body = $"{room} round {r} via node {through + 1}";
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        using var content = new StringContent(JsonSerializer.Serialize(new { body }), Encoding.UTF8, "application/json");
                        using var response = await clients[through].PostAsync($"/ns/chat/name/{room}/messages", content);
                        if (response.StatusCode == HttpStatusCode.Created) sent.GetOrAdd(room, _ => []).Add(body);
                        else refused.Add($"{(int)response.StatusCode} {body}");
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        refused.Add($"{e.GetType().Name} {body}");
                    }
                    slowest.Add((Stopwatch.GetElapsedTime(started).TotalSeconds, body));
                });
            }

            await RoundAsync([.. cluster.Clients]);
            // The third node starts and joins while messages keep going through the first two.
            var twoNodes = cluster.Clients.ToArray();
            var joining = cluster.AddNodeAsync();
            // Rounds are paced so that the history (last 50) holds every message and some are sent while shards move.
            while (!joining.IsCompleted && round < maxRounds / 4) await PacedAsync(RoundAsync(twoNodes), TimeSpan.FromSeconds(2));
            var third = await joining;
            var joinedAt = watch.Elapsed;
            var roundsBeforeJoin = round;
            var thirdOwner = (await AkkaClusterNodes.SelfAsync(cluster.Clients[third])).Split("://")[^1];
            var all = cluster.Clients.ToArray();

            // Messages go through all three nodes while the chat shards move, until the new node holds two of them.
            Dictionary<string, string> after;
            var until = watch.Elapsed + TimeSpan.FromSeconds(120);
            while (true)
            {
                after = await cluster.ShardOwnersAsync("chat");
                if (after.Values.Count(o => o == thirdOwner) >= 2) break;
                Assert.True(watch.Elapsed < until, $"the joining node held {after.Values.Count(o => o == thirdOwner)} chat shards after 120 s");
                if (round < maxRounds - 3) await PacedAsync(RoundAsync(all), TimeSpan.FromSeconds(1));
                else await Task.Delay(200);
            }
            var movedAt = watch.Elapsed;
            var roundsWhileMoving = round - roundsBeforeJoin;
            // After the move, one more message through each node.
            for (var i = 0; i < all.Length; i++) await RoundAsync(all);

            after = await cluster.ShardOwnersAsync("chat");
            var moved = rooms.Where(room => after.TryGetValue(shardOf[room], out var owner) && owner != before[shardOf[room]]).ToArray();
            Assert.NotEmpty(moved);
            Assert.All(moved, room => Assert.Equal(thirdOwner, after[shardOf[room]]));

            // What each room stored (its history, read through the new node) is what every socket and subscriber of it gets.
            var stored = new Dictionary<string, string[]>();
            foreach (var room in rooms)
            {
                var history = JsonDocument.Parse(await cluster.Clients[third].GetStringAsync($"/ns/chat/name/{room}/messages")).RootElement
                    .GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()!).ToArray();
                Assert.True(history.Length < historyLength, $"{room} stored {history.Length} messages: its history may be cut");
                Assert.Subset(history.ToHashSet(), sent.GetValueOrDefault(room, []).ToHashSet());
                stored[room] = history;
            }
            var deadline = DateTime.UtcNow.AddSeconds(60);
            foreach (var listener in raw)
                await listener.WaitForAsync(stored[listener.Room], deadline);
            foreach (var listener in phoenix)
                foreach (var room in rooms)
                    await listener.WaitForAsync($"chat:{room}", stored[room], deadline);

            var messages = stored.Values.Sum(h => h.Length);
            output.WriteLine($"{rooms.Length} rooms over {shardOf.Values.Distinct().Count()} shards; {moved.Length} rooms in " +
                $"{moved.Select(r => shardOf[r]).Distinct().Count()} moved shards; {raw.Count} raw sockets + {phoenix.Count} Phoenix connections " +
                $"x {rooms.Length} joins; {round} rounds, {messages} messages stored ({refused.Count} not acknowledged: " +
                $"{string.Join("; ", refused.Take(5))}); each raw socket and subscriber got its room's every stored message, once; slowest POSTs " +
                string.Join(", ", slowest.OrderByDescending(p => p.Seconds).Take(3).Select(p => $"{p.Seconds:F1} s ({p.Body})")));
            output.WriteLine($"third node listening at {joinedAt.TotalSeconds:F1} s after {roundsBeforeJoin} rounds, holding 2 chat shards at " +
                $"{movedAt.TotalSeconds:F1} s after {roundsWhileMoving} more rounds through 3 nodes, " +
                $"done at {watch.Elapsed.TotalSeconds:F1} s");
            foreach (var listener in raw)
            {
                Assert.True(listener.Socket.State == WebSocketState.Open, $"the raw socket of {listener.Room} on node {listener.Node + 1} is {listener.Socket.State}");
                Assert.Equal(stored[listener.Room].Order(), listener.Received.Order());
            }
            foreach (var listener in phoenix)
            {
                Assert.True(listener.Client.Socket.State == WebSocketState.Open, $"the Phoenix socket on node {listener.Node + 1} is {listener.Client.Socket.State}");
                Assert.Empty(listener.Errors);
                foreach (var room in rooms) Assert.Equal(stored[room].Order(), listener.Received($"chat:{room}").Order());
            }
        }
        finally
        {
            foreach (var listener in raw) listener.Socket.Dispose();
            foreach (var listener in phoenix) listener.Client.Dispose();
        }
    }

    /// <summary>Waits for <paramref name="work"/>, and for at least <paramref name="pace"/> since it started.</summary>
    [Fact]
    public async Task Chat_sockets_on_the_surviving_nodes_stay_open_and_get_messages_after_the_rooms_owner_is_killed()
    {
        await using var cluster = await AkkaClusterNodes.StartAsync(3);
        await AkkaClusterNodes.WaitAgreedAsync(cluster.Clients, null, 3, TimeSpan.FromSeconds(45), "formation");
        var victim = await AkkaClusterNodes.SelfAsync(cluster.Clients[1]);

        // A room whose object runs on node 2 (the one to kill): its shard is among those /cluster lists for that node.
        var shards = new ShardOf(64);
        string? room = null;
        for (var i = 0; i < 64 && room is null; i++)
        {
            var candidate = $"failover-room-{i:D2}";
            using var response = await cluster.Clients[0].GetAsync($"/ns/chat/name/{candidate}/messages");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var shard = shards.ShardId(response.Headers.GetValues("X-Durable-Id").Single());
            var status = JsonDocument.Parse(await cluster.Clients[0].GetStringAsync("/cluster")).RootElement;
            var owner = status.GetProperty("nodes").EnumerateArray()
                .Where(n => n.GetProperty("shardIds").TryGetProperty("chat", out var ids) && ids.EnumerateArray().Any(id => id.ToString() == shard))
                .Select(n => n.GetProperty("address").GetString()).SingleOrDefault();
            if (owner == victim) room = candidate;
        }
        Assert.True(room is not null, $"none of 64 rooms was placed on {victim}");

        // A raw socket on each surviving node and a Phoenix subscriber on the first; the object is on the node to kill.
        var raw = new List<RawListener>();
        PhoenixListener? phoenix = null;
        try
        {
            foreach (var node in new[] { 0, 2 })
                raw.Add(new RawListener(room, node, await ConnectAsync(cluster.Nodes[node], $"/ns/chat/name/{room}/websocket")));
            var client = new PhoenixClient(await ConnectAsync(cluster.Nodes[0], "/socket/websocket?vsn=2.0.0"));
            await client.JoinAsync($"chat:{room}", "j-failover");
            phoenix = new PhoenixListener(0, client);
            var sent = new List<string>();
            async Task<HttpStatusCode> PostAsync(HttpClient through, string body)
            {
                using var content = new StringContent(JsonSerializer.Serialize(new { body }), Encoding.UTF8, "application/json");
                using var response = await through.PostAsync($"/ns/chat/name/{room}/messages", content);
                if (response.StatusCode == HttpStatusCode.Created) sent.Add(body);
                return response.StatusCode;
            }
            Assert.Equal(HttpStatusCode.Created, await PostAsync(cluster.Clients[0], "before the kill"));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            foreach (var listener in raw) await listener.WaitForAsync([.. sent], deadline);
            await phoenix.WaitForAsync($"chat:{room}", [.. sent], deadline);

            // The owner dies; the room restarts on a survivor, which gathers the sockets from the others' directories.
            var watch = Stopwatch.StartNew();
            cluster.Nodes[1].Kill();
            var attempts = new List<HttpStatusCode>();
            while (true)
            {
                HttpStatusCode status;
                try
                {
                    status = await PostAsync(cluster.Clients[2], $"after the kill, attempt {attempts.Count + 1}");
                }
                catch (TaskCanceledException)
                {
                    status = 0;
                }
                attempts.Add(status);
                if (status == HttpStatusCode.Created) break;
                Assert.True(status == HttpStatusCode.ServiceUnavailable, $"attempt {attempts.Count} after the kill answered {(int)status}");
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(45), $"the room was not served again 45 s after its owner was killed");
                await Task.Delay(200);
            }
            var servedAt = watch.Elapsed;
            Assert.Equal(HttpStatusCode.Created, await PostAsync(cluster.Clients[0], "through the first node"));

            deadline = DateTime.UtcNow.AddSeconds(30);
            foreach (var listener in raw) await listener.WaitForAsync([.. sent], deadline);
            await phoenix.WaitForAsync($"chat:{room}", [.. sent], deadline);
            output.WriteLine($"{room} was served again {servedAt.TotalSeconds:F1} s after its owner was killed ({attempts.Count - 1} answers of 503 before); " +
                $"{raw.Count} raw sockets and a Phoenix subscriber got all {sent.Count} messages");
            foreach (var listener in raw)
            {
                Assert.True(listener.Socket.State == WebSocketState.Open, $"the raw socket on node {listener.Node + 1} is {listener.Socket.State}");
                Assert.Equal(sent, listener.Received);
            }
            Assert.True(phoenix.Client.Socket.State == WebSocketState.Open, $"the Phoenix socket is {phoenix.Client.Socket.State}");
            Assert.Empty(phoenix.Errors);
            Assert.Equal(sent, phoenix.Received($"chat:{room}"));
        }
        finally
        {
            foreach (var listener in raw) listener.Socket.Dispose();
            phoenix?.Client.Dispose();
        }
    }

    private static async Task PacedAsync(Task work, TimeSpan pace) => await Task.WhenAll(work, Task.Delay(pace));

    /// <summary>The shard of an entity id as sharding computes it (<see cref="HashCodeMessageExtractor"/>, as the nodes' extractor).</summary>
    private sealed class ShardOf(int shards) : HashCodeMessageExtractor(shards)
    {
        public override string? EntityId(object message) => null;
    }

    /// <summary>Reads a raw chat socket until it closes, keeping every text message.</summary>
    private sealed class RawListener
    {
        private readonly ConcurrentQueue<string> _received = new();
        private readonly Task _reading;

        public RawListener(string room, int node, ClientWebSocket socket)
        {
            (Room, Node, Socket) = (room, node, socket);
            _reading = ReadAllAsync(socket, _received.Enqueue);
        }

        public string Room { get; }

        public int Node { get; }

        public ClientWebSocket Socket { get; }

        public string[] Received => [.. _received];

        public async Task WaitForAsync(string[] expected, DateTime deadline)
        {
            while (expected.Except(_received).Any())
            {
                Assert.True(DateTime.UtcNow < deadline && !_reading.IsCompleted,
                    $"the raw socket of {Room} on node {Node + 1} ({Socket.State}) got {_received.Count} of {expected.Length} stored messages; missing " +
                    string.Join("; ", expected.Except(_received).Take(5)));
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Reads a Phoenix connection until it closes, keeping each topic's <c>new_msg</c> bodies and any
    /// <c>phx_error</c> or <c>phx_close</c>.</summary>
    private sealed class PhoenixListener
    {
        private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _received = new();
        private readonly Task _reading;

        public PhoenixListener(int node, PhoenixClient client)
        {
            (Node, Client) = (node, client);
            _reading = ReadAllAsync(client.Socket, text =>
            {
                var frame = JsonDocument.Parse(text).RootElement;
                var (topic, @event) = (frame[2].GetString()!, frame[3].GetString());
                if (@event == "new_msg") _received.GetOrAdd(topic, _ => new()).Enqueue(frame[4].GetProperty("body").GetString()!);
                else if (@event is "phx_error" or "phx_close") Errors.Add($"{@event} on {topic}");
            });
        }

        public int Node { get; }

        public PhoenixClient Client { get; }

        public ConcurrentBag<string> Errors { get; } = [];

        public string[] Received(string topic) => [.. _received.GetValueOrDefault(topic) ?? new()];

        public async Task WaitForAsync(string topic, string[] expected, DateTime deadline)
        {
            while (expected.Except(Received(topic)).Any())
            {
                Assert.True(DateTime.UtcNow < deadline && !_reading.IsCompleted,
                    $"the Phoenix subscriber of {topic} on node {Node + 1} ({Client.Socket.State}) got {Received(topic).Length} of {expected.Length} " +
                    "stored messages; missing " + string.Join("; ", expected.Except(Received(topic)).Take(5)));
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Receives text messages until the socket closes or fails (no timeout: cancelling a receive aborts the socket).</summary>
    private static async Task ReadAllAsync(WebSocket ws, Action<string> received)
    {
        var buffer = new byte[1 << 16];
        try
        {
            while (true)
            {
                var length = 0;
                WebSocketReceiveResult result;
                do
                {
                    result = await ws.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), CancellationToken.None);
                    length += result.Count;
                }
                while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close) return;
                received(Encoding.UTF8.GetString(buffer, 0, length));
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
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
