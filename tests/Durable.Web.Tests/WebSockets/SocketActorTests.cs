using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Akka.Actor;
using Durable.TestKit;
using Durable.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Web.Tests.WebSockets;

/// <summary>Client sockets owned by socket actors at the edge (Akka engine): bounded sending, hibernation, the actor ref.</summary>
public sealed class SocketActorTests
{
    [Fact]
    public async Task Client_that_stops_reading_is_closed_with_1008_and_counted()
    {
        await using var host = await SocketHost.StartAsync(sockets: s => s.SendBufferMessages = 8);
        using var slowClosed = new CounterProbe(host, "durable.sockets.slow_closed");
        var name = "slow";
        using var ws = await host.ConnectAsync($"/ns/probe/name/{name}/ws");

        // The client never reads: each 256 KiB answer goes into the loopback's TCP buffers until they are full, then
        // into the socket's buffer of 8 frames, and the next one finds it full. One command at a time, each handled
        // before the next, so the count of answers sent is known; the TCP buffers hold a few MB, far below the bound.
        var sent = 0;
        while (slowClosed.Value == 0)
        {
            Assert.True(sent < 400, $"the node buffered {sent} unread answers of 256 KiB without closing the socket");
            await ws.SendTextAsync("flood:" + (256 << 10));
            sent++;
            await ObjectSocketTests.WaitForAsync(() => SocketProbe.Floods.GetValueOrDefault(name) == sent, $"the object handled flood {sent}");
        }

        // Reading again, the client gets what was queued before the overflow, then the close.
        var (received, code, reason) = await DrainUntilCloseAsync(ws);
        Assert.Equal(WebSocketCloseCodes.PolicyViolation, code);
        Assert.Contains("did not read", reason);
        Assert.True(received < sent, $"received {received} of {sent} answers: the one that overflowed should have been dropped");
        Assert.Equal(1, slowClosed.Value);
    }

    [Fact]
    public async Task Hibernated_object_answers_the_next_message_with_its_three_sockets_tags_and_attachments()
    {
        await using var host = await SocketHost.StartAsync(objects: o => o.IdleTimeout = TimeSpan.FromMilliseconds(300));
        var sockets = new ClientWebSocket[3];
        for (var i = 0; i < sockets.Length; i++)
        {
            sockets[i] = await host.ConnectAsync($"/ns/probe/name/hib3/ws?room,s{i}");
            await sockets[i].SendTextAsync($"attach:user{i}");
            Assert.Equal("attached", await sockets[i].ReceiveTextAsync($"attach ack {i}"));
        }
        await sockets[0].SendTextAsync("instance");
        var before = await sockets[0].ReceiveTextAsync("instance before");

        await host.WaitPassivatedAsync("probe", "hib3");
        Assert.All(sockets, ws => Assert.Equal(WebSocketState.Open, ws.State));

        await sockets[2].SendTextAsync("count");
        Assert.Equal("3", await sockets[2].ReceiveTextAsync("GetWebSockets() after hibernation"));
        await sockets[2].SendTextAsync("instance");
        Assert.NotEqual(before, await sockets[2].ReceiveTextAsync("instance after"));
        for (var i = 0; i < sockets.Length; i++)
        {
            await sockets[i].SendTextAsync("tags");
            Assert.Equal($"room,s{i}", await sockets[i].ReceiveTextAsync($"tags of socket {i}"));
            await sockets[i].SendTextAsync("attachment");
            Assert.Equal($"user{i}", await sockets[i].ReceiveTextAsync($"attachment of socket {i}"));
        }
        await sockets[0].SendTextAsync("count:room");
        Assert.Equal("3", await sockets[0].ReceiveTextAsync("GetWebSockets(\"room\")"));
        foreach (var ws in sockets) ws.Dispose();
    }

    [Fact]
    public async Task A_frame_told_to_the_sockets_actor_reaches_the_client_in_order()
    {
        await using var host = await SocketHost.StartAsync();
        using var ws = await host.ConnectAsync("/ns/probe/name/byref/ws");
        await ws.SendTextAsync("echo:registered");
        Assert.Equal("registered", await ws.ReceiveTextAsync("echo"));

        var socket = (HibernatableSocket)host.Runtime.Sockets.Find(host.IdOf("probe", "byref"))!.Sockets(null).Single();
        var actor = socket.Actor ?? throw new InvalidOperationException("the socket has no socket actor on the Akka engine");
        actor.Tell(new OutgoingFrame("one"u8.ToArray(), WebSocketMessageType.Text));
        actor.Tell(new OutgoingFrame("two"u8.ToArray(), WebSocketMessageType.Text));
        actor.Tell(OutgoingFrame.Close(4001, "by ref"));
        Assert.Equal("one", await ws.ReceiveTextAsync("first frame told to the actor"));
        Assert.Equal("two", await ws.ReceiveTextAsync("second frame told to the actor"));
        Assert.Equal(4001, await ws.ReceiveCloseAsync("close told to the actor"));
    }

    /// <summary>Reads (and drops) messages of any size until the close frame.</summary>
    private static async Task<(int Received, int Code, string Reason)> DrainUntilCloseAsync(WebSocket ws)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 << 10];
        var received = 0;
        while (true)
        {
            var result = await ws.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) return (received, (int)ws.CloseStatus!.Value, ws.CloseStatusDescription ?? "");
            if (result.EndOfMessage) received++;
        }
    }

    /// <summary>The running total of one counter on this node's "Durable" meter.</summary>
    private sealed class CounterProbe : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _value;

        public CounterProbe(SocketHost host, string instrument)
        {
            var factory = host.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (published, listener) =>
            {
                if (published.Name == instrument && published.Meter.Name == DurableMetrics.MeterName && published.Meter.Scope == factory)
                    listener.EnableMeasurementEvents(published);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _value, value));
            _listener.Start();
        }

        public long Value => Interlocked.Read(ref _value);

        public void Dispose() => _listener.Dispose();
    }
}
