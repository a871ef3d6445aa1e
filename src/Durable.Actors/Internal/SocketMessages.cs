using Akka.Actor;

namespace Durable.Internal;

/// <summary>The socket's object set a new attachment: the edge keeps the authoritative copy (null: cleared).</summary>
internal sealed record SocketAttachment(byte[]? Attachment);

/// <summary>The object's auto-response pair (both null: cleared), for the edges holding its sockets.</summary>
internal sealed record SocketAutoResponse(string? Request, string? Response)
{
    public static SocketAutoResponse Of(AutoResponse? pair) => new(pair?.Request, pair?.Response);

    public AutoResponse? ToPair() => Request is null || Response is null ? null : new AutoResponse(Request, Response);
}

/// <summary>An object on another node holds a handle of the socket: told by that node's socket directory (the sender) to
/// the socket actor, whose edge then reports the socket's auto-responses there.</summary>
internal sealed record SocketHeld(Guid SocketId);

/// <summary>The edge answered an auto-response on a socket at <paramref name="At"/> (Unix ms), for the directories of the
/// nodes holding a handle of it, so the object sees it in <c>GetWebSocketAutoResponseTimestamp</c> wherever it lives.</summary>
internal sealed record SocketAutoResponded(DurableObjectId Target, Guid SocketId, long At);

/// <summary>
/// A socket held by an object on another node than its connection: frames are told to the socket actor at the edge
/// (serialized by <see cref="Durable.Objects.SocketMessageSerializer"/> when it is remote), in the order sent.
/// </summary>
internal sealed class ActorSocketTransport(IActorRef actor) : ISocketTransport
{
    public IActorRef Actor { get; } = actor;

    public void Send(OutgoingFrame frame) => Actor.Tell(frame, ActorRefs.NoSender);
}

/// <summary>A push or broadcast for a Phoenix subscriber whose connection is on another node (told to its socket actor).</summary>
internal sealed record ChannelPush(string Topic, string? JoinRef, string Event, byte[] Payload);

/// <summary>A channel subscription held by an object on another node than its Phoenix connection: pushes and broadcasts
/// are told to the connection's socket actor, whose edge sends them after the join reply.</summary>
internal sealed class ActorChannelTransport(IActorRef actor) : IChannelTransport
{
    public void Push(string? joinRef, string topic, string @event, ReadOnlyMemory<byte> payloadJson) =>
        actor.Tell(new ChannelPush(topic, joinRef, @event, payloadJson.ToArray()), ActorRefs.NoSender);
}
