using System.Net.WebSockets;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using Durable.Actors.Tests.Objects.Akka;
using Durable.Internal;
using Durable.Objects;
using Durable.TestKit;

namespace Durable.Actors.Tests.Objects.Remote;

/// <summary>
/// The wire format of what crosses nodes for client sockets and Phoenix subscribers: each message written and read back is
/// the same message, a socket event read on the object's node registers its socket from the descriptor it carries, and a
/// payload of an unknown version is refused.
/// </summary>
public sealed class SocketSerializerTests : IAsyncLifetime
{
    private readonly AkkaKit _akka = new();
    private DurableTestRuntime _kit = null!;

    private ObjectRuntime Runtime => _kit.Runtime;

    private ActorSystem System => Runtime.Objects!.System;

    public async Task InitializeAsync() => _kit = await _akka.StartAsync();

    public async Task DisposeAsync()
    {
        await _kit.DisposeAsync();
        await _akka.DisposeAsync();
    }

    [Fact]
    public void Frames_attachments_auto_responses_pushes_and_directory_answers_keep_every_field()
    {
        var text = Assert.IsType<OutgoingFrame>(RoundTrip(new OutgoingFrame(Encoding.UTF8.GetBytes("héllo"), WebSocketMessageType.Text)));
        Assert.Equal((WebSocketMessageType.Text, "héllo"), (text.Type, Encoding.UTF8.GetString(text.Data.Span)));
        var binary = Assert.IsType<OutgoingFrame>(RoundTrip(new OutgoingFrame(new byte[] { 0, 1, 255 }, WebSocketMessageType.Binary)));
        Assert.Equal(WebSocketMessageType.Binary, binary.Type);
        Assert.Equal([0, 1, 255], binary.Data.ToArray());
        Assert.Equal(OutgoingFrame.Close(4000, "bye"), RoundTrip(OutgoingFrame.Close(4000, "bye")));
        Assert.Equal(OutgoingFrame.Close(1000, null), RoundTrip(OutgoingFrame.Close(1000, null)));

        Assert.Equal([1, 2, 3], Assert.IsType<SocketAttachment>(RoundTrip(new SocketAttachment([1, 2, 3]))).Attachment);
        Assert.Null(Assert.IsType<SocketAttachment>(RoundTrip(new SocketAttachment(null))).Attachment);
        Assert.Equal(new SocketAutoResponse("ping", "pong"), RoundTrip(new SocketAutoResponse("ping", "pong")));
        Assert.Equal(new SocketAutoResponse(null, null), RoundTrip(new SocketAutoResponse(null, null)));

        var push = Assert.IsType<ChannelPush>(RoundTrip(new ChannelPush("room:a", "7", "news", "{\"x\":1}"u8.ToArray())));
        Assert.Equal(("room:a", "7", "news", "{\"x\":1}"), (push.Topic, push.JoinRef, push.Event, Encoding.UTF8.GetString(push.Payload)));
        Assert.Null(Assert.IsType<ChannelPush>(RoundTrip(new ChannelPush("room:a", null, "news", []))).JoinRef);

        var target = _kit.IdFromName("counter", "sockets");
        var query = Assert.IsType<SocketsOf>(RoundTrip(new SocketsOf(target)));
        Assert.Equal((target, "sockets"), (query.Target, query.Target.Name));

        var actor = System.ActorOf(Props.Empty);
        var descriptor = new SocketDescriptor(Guid.NewGuid(), actor, ["a", "b"], [9, 8], AutoResponseAt: 1_780_000_000_123);
        var subscriber = System.ActorOf(Props.Empty);
        var channels = new[] { new ChannelDescriptor("room:a", "3", subscriber), new ChannelDescriptor("room:a", null, actor) };
        var here = Assert.IsType<SocketsHere>(RoundTrip(new SocketsHere([descriptor, descriptor with { Attachment = null, Tags = [] }], channels)));
        Assert.Equal(2, here.Sockets.Length);
        Assert.Equal((descriptor.SocketId, actor), (here.Sockets[0].SocketId, here.Sockets[0].Actor));
        Assert.Equal(["a", "b"], here.Sockets[0].Tags);
        Assert.Equal([9, 8], here.Sockets[0].Attachment);
        Assert.Null(here.Sockets[1].Attachment);
        Assert.Empty(here.Sockets[1].Tags);
        Assert.Equal(channels, here.Channels);
        Assert.Equal((1_780_000_000_123, 1_780_000_000_123), (here.Sockets[0].AutoResponseAt, here.Sockets[1].AutoResponseAt));

        Assert.Equal(new SocketHeld(descriptor.SocketId), RoundTrip(new SocketHeld(descriptor.SocketId)));
        var responded = Assert.IsType<SocketAutoResponded>(RoundTrip(new SocketAutoResponded(target, descriptor.SocketId, 1_780_000_000_456)));
        Assert.Equal((target, "sockets", descriptor.SocketId, 1_780_000_000_456), (responded.Target, responded.Target.Name, responded.SocketId, responded.At));
    }

    [Fact]
    public void A_directory_answer_of_version_1_reads_as_sockets_without_channels()
    {
        var actor = System.ActorOf(Props.Empty);
        var (serializer, manifest, bytes) = Write(new SocketsHere([new SocketDescriptor(Guid.NewGuid(), actor, ["a"], null, 5)], []));
        Assert.Equal(2, bytes[0]);
        // Version 1 is version 2 without the socket's auto-response time and the channel count at the end.
        bytes[0] = 1;
        var here = Assert.IsType<SocketsHere>(serializer.FromBinary(bytes[..^12], manifest));
        Assert.Equal((actor, 0L), (Assert.Single(here.Sockets).Actor, here.Sockets[0].AutoResponseAt));
        Assert.Empty(here.Channels);
        bytes[0] = 3;
        Assert.Contains("unknown version 3", Assert.Throws<InvalidDataException>(() => serializer.FromBinary(bytes, manifest)).Message);
    }

    [Fact]
    public void A_socket_event_read_on_the_objects_node_registers_its_socket_from_the_descriptor_once()
    {
        var target = _kit.IdFromName("counter", "remote-socket");
        var actor = System.ActorOf(Props.Empty);
        // The edge's copy on "another node": not in this node's registry.
        var edge = new HibernatableSocket(new ObjectSockets(Runtime.Sockets, target), ["t1", "t2"], attachment: "{\"name\":\"alice\"}"u8.ToArray());
        edge.Attach(new ActorSocketTransport(actor), actor);

        var first = Assert.IsType<SocketEvent>(RoundTrip(SocketEvent.Message(edge, Runtime.Time.GetTimestamp(), WebSocketMessage.FromText("hi"))));
        var second = Assert.IsType<SocketEvent>(RoundTrip(SocketEvent.Message(edge, Runtime.Time.GetTimestamp(), WebSocketMessage.FromBinary([7]))));
        var closed = Assert.IsType<SocketEvent>(RoundTrip(SocketEvent.Closed(edge, Runtime.Time.GetTimestamp(), 4001, "gone", wasClean: true)));

        var handle = first.Socket;
        Assert.NotSame(edge, handle);
        Assert.Same(handle, second.Socket);
        Assert.Same(handle, closed.Socket);
        Assert.Equal((edge.Id, true, actor), (handle.Id, handle.IsRemote, handle.Actor));
        Assert.Equal(["t1", "t2"], handle.Tags);
        Assert.Equal("{\"name\":\"alice\"}", Encoding.UTF8.GetString(handle.AttachmentBytes!));
        Assert.Equal([handle], Runtime.Sockets.Find(target)!.Sockets(null));
        Assert.Equal("hi", first.Payload.Text);
        Assert.Equal([7], second.Payload.Binary.ToArray());
        Assert.Equal((4001, "gone", true), (closed.Code, closed.Reason, closed.WasClean));
        Assert.Equal(SocketState.Closing, handle.State);
        foreach (var e in new[] { first, second, closed }) e.TryFail(new DurableObjectException("not run in this test", null, target));
    }

    [Fact]
    public void A_payload_of_an_unknown_version_is_refused()
    {
        var (serializer, manifest, bytes) = Write(new SocketAttachment([1]));
        bytes[0] = 2;
        var error = Assert.Throws<InvalidDataException>(() => serializer.FromBinary(bytes, manifest));
        Assert.Contains("unknown version 2", error.Message);
        Assert.Throws<InvalidDataException>(() => serializer.FromBinary(bytes[..1], manifest));
    }

    private (SerializerWithStringManifest Serializer, string Manifest, byte[] Bytes) Write(object message)
    {
        var serializer = (SerializerWithStringManifest)System.Serialization.FindSerializerFor(message);
        Assert.True(serializer is SocketMessageSerializer or ObjectEventSerializer, serializer.GetType().Name);
        return (serializer, serializer.Manifest(message), serializer.ToBinary(message));
    }

    private object RoundTrip(object message)
    {
        var (serializer, manifest, bytes) = Write(message);
        return serializer.FromBinary(bytes, manifest);
    }
}
