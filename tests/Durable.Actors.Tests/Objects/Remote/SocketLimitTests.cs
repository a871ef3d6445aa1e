using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using Durable.Actors.Tests.Objects.Akka;
using Durable.Hosting;
using Durable.Internal;
using Durable.Objects;
using Durable.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Actors.Tests.Objects.Remote;

/// <summary>
/// <c>MaxSocketsPerObject</c> on the paths a handle of a connection on another node arrives by (a socket or channel event
/// read from the wire, the socket directory's answer to a starting object, which registers through the same adoption):
/// the object never holds more than the limit, and the excess client is ended like at the handshake.
/// </summary>
public sealed class SocketLimitTests : IAsyncLifetime
{
    private const int Limit = 2;
    private readonly AkkaKit _akka = new();
    private DurableTestRuntime _kit = null!;

    private ObjectRuntime Runtime => _kit.Runtime;

    private ActorSystem System => Runtime.Objects!.System;

    public async Task InitializeAsync() =>
        _kit = await _akka.StartAsync(services: s => s.Configure<DurableWebSocketOptions>(o => o.MaxSocketsPerObject = Limit));

    public async Task DisposeAsync()
    {
        await _kit.DisposeAsync();
        await _akka.DisposeAsync();
    }

    [Fact]
    public async Task A_socket_from_another_node_past_the_limit_is_closed_with_1008_and_never_held()
    {
        var target = _kit.IdFromName("counter", "limit-sockets");
        var edges = Enumerable.Range(0, Limit + 1).Select(_ => new Recorder(System)).ToArray();
        // The first two arrive with events, the third in a starting object's gathered descriptors: one rule for both.
        var first = Read(SocketEvent.Message(EdgeSocket(target, edges[0].Actor), Runtime.Time.GetTimestamp(), WebSocketMessage.FromText("a")));
        var second = Read(SocketEvent.Message(EdgeSocket(target, edges[1].Actor), Runtime.Time.GetTimestamp(), WebSocketMessage.FromText("b")));
        var third = Runtime.Sockets.Adopt(target, Guid.NewGuid(), ["t"], null, edges[2].Actor);
        var fourth = Read(SocketEvent.Message(EdgeSocket(target, edges[2].Actor), Runtime.Time.GetTimestamp(), WebSocketMessage.FromText("d")));

        Assert.Equal([first.Socket, second.Socket], Runtime.Sockets.Find(target)!.Sockets(null));
        Assert.False(first.Socket.Refused);
        Assert.True(third.Refused);
        Assert.True(fourth.Socket.Refused);
        Assert.Equal(SocketState.Closed, fourth.Socket.State);
        var close = Assert.IsType<OutgoingFrame>(await edges[2].NextAsync());
        Assert.Equal((WebSocketMessageType.Close, WebSocketCloseCodes.PolicyViolation, $"object has {Limit} sockets, its limit"),
            (close.Type, close.CloseCode, close.CloseReason));
        Assert.Equal(WebSocketMessageType.Close, Assert.IsType<OutgoingFrame>(await edges[2].NextAsync()).Type);
        // The sockets the object holds were not closed; the refused ones are not counted open here (their edge counts them).
        Assert.Equal(0, Runtime.Sockets.OpenCount);
        foreach (var e in new[] { first, second, fourth }) e.TryFail(new DurableObjectException("not run in this test", null, target));
    }

    [Fact]
    public async Task A_subscriber_from_another_node_past_the_limit_gets_phx_close_and_is_never_held()
    {
        var target = _kit.IdFromName("counter", "limit-channels");
        var held = Runtime.Sockets.Adopt(target, Guid.NewGuid(), [], null, new Recorder(System).Actor);
        var kept = Runtime.Sockets.AdoptChannel(target, "counter:limit-channels", "1", new Recorder(System).Actor, ChannelEventKind.Message);
        var edge = new Recorder(System);
        var refused = Runtime.Sockets.AdoptChannel(target, "counter:limit-channels", "7", edge.Actor, ChannelEventKind.Message);

        Assert.False(held.Refused);
        Assert.False(kept.Refused);
        Assert.True(refused.Refused);
        Assert.Equal([kept], Runtime.Sockets.Find(target)!.Channels());
        var push = Assert.IsType<ChannelPush>(await edge.NextAsync());
        Assert.Equal(("counter:limit-channels", "7", "phx_close", "{}"), (push.Topic, push.JoinRef, push.Event, Encoding.UTF8.GetString(push.Payload)));
    }

    /// <summary>The edge's copy of a socket on "another node": not in this node's registry, reached through <paramref name="actor"/>.</summary>
    private HibernatableSocket EdgeSocket(DurableObjectId target, IActorRef actor)
    {
        var socket = new HibernatableSocket(new ObjectSockets(Runtime.Sockets, target), ["t"]);
        socket.Attach(new ActorSocketTransport(actor), actor);
        return socket;
    }

    /// <summary>Writes an event as the edge's node does and reads it as the object's node does.</summary>
    private SocketEvent Read(SocketEvent e)
    {
        var serializer = (SerializerWithStringManifest)System.Serialization.FindSerializerFor(e);
        var read = Assert.IsType<SocketEvent>(serializer.FromBinary(serializer.ToBinary(e), serializer.Manifest(e)));
        e.TryFail(new DurableObjectException("the edge's copy is not run in this test", null, e.Target));
        return read;
    }

    /// <summary>A socket actor stand-in that keeps what it is told.</summary>
    private sealed class Recorder
    {
        private readonly BlockingCollection<object> _told = [];

        public Recorder(ActorSystem system) => Actor = system.ActorOf(Props.Create(() => new Keep(_told)));

        public IActorRef Actor { get; }

        public Task<object> NextAsync() => Task.Run(() =>
            _told.TryTake(out var message, TimeSpan.FromSeconds(10)) ? message : throw new TimeoutException("nothing was told within 10 s"));

        private sealed class Keep(BlockingCollection<object> told) : UntypedActor
        {
            protected override void OnReceive(object message) => told.Add(message);
        }
    }
}
