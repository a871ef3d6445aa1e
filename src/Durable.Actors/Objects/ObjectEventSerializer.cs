using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Durable.Internal;

namespace Durable.Objects;

/// <summary>
/// Akka serializer for the object events sharding forwards to another node, and the owners' answers
/// (<see cref="RemoteEvents"/> keeps the reply path). Only used on the wire between nodes, never persisted; every payload
/// starts with its version byte so nodes of different versions refuse what they cannot read instead of misreading it
/// (events are version 2 since their head carries the receipt flag; answers are version 1).
/// Strings are BinaryWriter's length-prefixed UTF-8; headers are count:i32 then name, count:i32, values; a time span is
/// its ticks (i64).
/// <code>
/// head = target replyTo:string correlation:i64 receiptWanted:bool remaining
/// "F" FetchEvent v2:  0x02 head method:string uri:string version:string
///                     headers hasContent:bool [contentHeaders bodyLength:i32 body]
/// "A" AlarmEvent v2:  0x02 head due:i64 utc ticks retryCount:i32
/// "RF" FetchReply v1: 0x01 correlation:i64 status:i32 reason:string? version:string headers hasContent:bool
///                     [contentHeaders bodyLength:i32 body]
/// "RA" AlarmReply v1: 0x01 correlation:i64 ran:bool
/// "RE" FailedReply v1: 0x01 correlation:i64 code:string retryable:bool causes:i32 then type:string message:string
/// "S" SocketEvent v2: 0x02 head kind:u8 socket
///                     then message: isText:bool (text:string | length:i32 bytes) | close: code:i32 reason:string
///                     wasClean:bool | error: type:string message:string
/// "RD" DoneReply v1:  0x01 correlation:i64
/// "RR" EventReceipt v1: 0x01 correlation:i64
/// "C" ChannelEvent v2: 0x02 head kind:u8 event:string hasPayload:bool
///                     [payload:string (JSON)] topic:string joinRef:string? actor:string
/// "RC" ChannelEventReply v1: 0x01 correlation:i64 status:string? hasResponse:bool [length:i32 JSON bytes]
/// socket = id:16 bytes actor:string tags:i32 then strings, hasAttachment:bool [length:i32 bytes]
/// A fetch that is a WebSocket upgrade ends with: hasUpgrade:bool [actor:string socketId:16 bytes] (absent = false);
/// its answer carries the outcome in the reserved headers of <see cref="UpgradeOutcome"/>.
/// target = namespace:string id:32 bytes name:string? (a string? is a presence byte, then the string)
/// </code>
/// </summary>
internal sealed class ObjectEventSerializer(ExtendedActorSystem system, ShardedObjects objects) : SerializerWithStringManifest(system)
{
    public const int Id = 7103;
    private const byte V1 = 1;
    private const byte V2 = 2;

    public static readonly Type[] Types =
        [typeof(FetchEvent), typeof(AlarmEvent), typeof(SocketEvent), typeof(ChannelEvent), typeof(FetchReply), typeof(AlarmReply), typeof(FailedReply), typeof(DoneReply), typeof(ChannelEventReply), typeof(EventReceipt)];

    public override int Identifier => Id;

    private IActorRefProvider Provider => ((ExtendedActorSystem)objects.System).Provider;

    public override string Manifest(object o) => o switch
    {
        FetchEvent => "F",
        AlarmEvent => "A",
        SocketEvent => "S",
        ChannelEvent => "C",
        DoneReply => "RD",
        EventReceipt => "RR",
        ChannelEventReply => "RC",
        FetchReply => "RF",
        AlarmReply => "RA",
        FailedReply => "RE",
        _ => throw new ArgumentException($"ObjectEventSerializer cannot serialize {o.GetType()}.", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        var remote = objects.Remote;
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write(obj is ObjectEvent ? V2 : V1);
            switch (obj)
            {
                case FetchEvent e:
                    WriteFetch(w, stream, e, remote);
                    break;
                case AlarmEvent e:
                    WriteHead(w, e, remote);
                    w.Write(e.Due.UtcTicks);
                    w.Write(e.RetryCount);
                    break;
                case SocketEvent e:
                    WriteSocketEvent(w, e, remote);
                    break;
                case ChannelEvent e:
                    WriteChannelEvent(w, e, remote);
                    break;
                case ChannelEventReply r:
                    w.Write(r.Correlation);
                    WriteOptional(w, r.Status);
                    w.Write(r.ResponseJson is not null);
                    if (r.ResponseJson is not null)
                    {
                        w.Write(r.ResponseJson.Length);
                        w.Write(r.ResponseJson);
                    }
                    break;
                case DoneReply r:
                    w.Write(r.Correlation);
                    break;
                case EventReceipt r:
                    w.Write(r.Correlation);
                    break;
                case FetchReply r:
                    w.Write(r.Correlation);
                    w.Write(r.Status);
                    WriteOptional(w, r.Reason);
                    w.Write(r.Version.ToString());
                    WriteHeaders(w, r.Headers);
                    w.Write(r.ContentHeaders is not null);
                    if (r.ContentHeaders is { } contentHeaders)
                    {
                        WriteHeaders(w, contentHeaders);
                        w.Write(r.Body.Length);
                        w.Write(r.Body);
                    }
                    break;
                case AlarmReply r:
                    w.Write(r.Correlation);
                    w.Write(r.Ran);
                    break;
                case FailedReply r:
                    w.Write(r.Correlation);
                    w.Write(r.Code);
                    w.Write(r.IsRetryable);
                    w.Write(r.Causes.Length);
                    foreach (var cause in r.Causes)
                    {
                        w.Write(cause.Type);
                        w.Write(cause.Message);
                    }
                    break;
                default:
                    throw new ArgumentException($"ObjectEventSerializer cannot serialize {obj.GetType()}.", nameof(obj));
            }
        }
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false));
        try
        {
            if (manifest is not ("F" or "A" or "S" or "C" or "RF" or "RA" or "RD" or "RC" or "RE" or "RR"))
                throw new InvalidDataException($"An object event payload has the unknown manifest '{manifest}'.");
            var expected = manifest is "F" or "A" or "S" or "C" ? V2 : V1;
            if (r.ReadByte() is var version && version != expected)
                throw new InvalidDataException($"An object event '{manifest}' payload has the unknown version {version}; this node reads version {expected}.");
            return manifest switch
            {
                "F" => ReadFetch(r),
                "A" => ReadAlarm(r),
                "RF" => ReadFetchReply(r),
                "S" => ReadSocketEvent(r),
                "RA" => new AlarmReply(r.ReadInt64(), r.ReadBoolean()),
                "RD" => new DoneReply(r.ReadInt64()),
                "RR" => new EventReceipt(r.ReadInt64()),
                "C" => ReadChannelEvent(r),
                "RC" => new ChannelEventReply(r.ReadInt64(), ReadOptional(r), r.ReadBoolean() ? ReadBody(r) : null),
                _ => ReadFailedReply(r),
            };
        }
        catch (EndOfStreamException error)
        {
            throw new InvalidDataException($"An object event '{manifest}' payload is truncated ({bytes.Length} bytes).", error);
        }
    }

    // ---- events ----

    private static void WriteHead(BinaryWriter w, ObjectEvent e, RemoteEvents remote)
    {
        w.Write(e.Target.Namespace);
        w.Write(e.Target.Bytes);
        WriteOptional(w, e.Target.Name);
        var (replyTo, correlation, receiptWanted) = remote.Register(e);
        w.Write(replyTo);
        w.Write(correlation);
        w.Write(receiptWanted);
        w.Write(remote.Remaining(e).Ticks);
    }

    private static Head ReadHead(BinaryReader r)
    {
        var ns = r.ReadString();
        var id = r.ReadBytes(DurableObjectId.ByteLength);
        if (id.Length != DurableObjectId.ByteLength) throw new EndOfStreamException();
        var target = new DurableObjectId(ns, id, ReadOptional(r));
        return new Head(target, r.ReadString(), r.ReadInt64(), r.ReadBoolean(), TimeSpan.FromTicks(r.ReadInt64()));
    }

    /// <summary>What every event starts with: its object, where its answer goes, and the caller's remaining time.</summary>
    private readonly record struct Head(DurableObjectId Target, string ReplyTo, long Correlation, bool ReceiptWanted, TimeSpan Remaining);

    private static void WriteFetch(BinaryWriter w, MemoryStream stream, FetchEvent e, RemoteEvents remote)
    {
        var request = e.Request;
        var upgrade = WebSocketUpgrade.Of(request);
        if (upgrade is { Actor: null })
            throw Refuse(e, remote, "this WebSocket upgrade has no socket actor to reach it from another node");
        var content = request.Content;
        // Whole before it is written: the edge buffers bodies while the cluster has other nodes; in-memory contents
        // complete at once. Buffered content is copied, not consumed, so a resend writes the same bytes.
        content?.LoadIntoBufferAsync().GetAwaiter().GetResult();
        if (content?.Headers.ContentLength is { } length && length > remote.MaxBodyBytes)
            throw Refuse(e, remote, $"its request body has {length} bytes, more than the {remote.MaxBodyBytes} that cross between nodes (akka.remote.dot-netty.tcp.maximum-frame-size)");
        WriteHead(w, e, remote);
        w.Write(request.Method.Method);
        w.Write(request.RequestUri?.OriginalString ?? "");
        w.Write(request.Version.ToString());
        WriteHeaders(w, RemoteHeader.Of(request.Headers));
        w.Write(content is not null);
        if (content is not null) WriteContent(w, stream, content);
        w.Write(upgrade is not null);
        if (upgrade is null) return;
        w.Write(Akka.Serialization.Serialization.SerializedActorPath(upgrade.Actor));
        w.Write(upgrade.SocketId.ToByteArray());
    }

    private static void WriteContent(BinaryWriter w, MemoryStream stream, HttpContent content)
    {
        WriteHeaders(w, RemoteHeader.Of(content.Headers));
        w.Flush();
        var lengthAt = stream.Position;
        w.Write(0);
        content.CopyTo(stream, null, CancellationToken.None);
        var end = stream.Position;
        stream.Position = lengthAt;
        w.Write(checked((int)(end - lengthAt - sizeof(int))));
        w.Flush();
        stream.Position = end;
    }

    private FetchEvent ReadFetch(BinaryReader r)
    {
        var head = ReadHead(r);
        var target = head.Target;
        var request = new HttpRequestMessage(new HttpMethod(r.ReadString()), new Uri(r.ReadString(), UriKind.RelativeOrAbsolute))
        {
            Version = Version.Parse(r.ReadString()),
        };
        RemoteHeader.CopyTo(ReadHeaders(r), request.Headers);
        if (r.ReadBoolean())
        {
            var contentHeaders = ReadHeaders(r);
            request.Content = new ByteArrayContent(ReadBody(r));
            RemoteHeader.CopyTo(contentHeaders, request.Content.Headers);
        }
        if (r.BaseStream.Position < r.BaseStream.Length && r.ReadBoolean())
        {
            var actor = Provider.ResolveActorRef(r.ReadString());
            request.Options.Set(WebSocketUpgrade.Key, new WebSocketUpgrade(actor, ReadGuid(r), isRemote: true));
        }
        var remote = objects.Remote;
        var e = new FetchEvent(target, remote.ArrivalFor(head.Remaining), request);
        remote.Adopt(e, head.ReplyTo, head.Correlation, head.ReceiptWanted);
        return e;
    }

    private AlarmEvent ReadAlarm(BinaryReader r)
    {
        var head = ReadHead(r);
        var target = head.Target;
        var due = new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero);
        var retryCount = r.ReadInt32();
        var remote = objects.Remote;
        var e = new AlarmEvent(target, remote.ArrivalFor(head.Remaining), due, retryCount);
        remote.Adopt(e, head.ReplyTo, head.Correlation, head.ReceiptWanted);
        return e;
    }

    private static void WriteSocketEvent(BinaryWriter w, SocketEvent e, RemoteEvents remote)
    {
        var socket = e.Socket;
        if (socket.Actor is not { } actor)
            throw Refuse(e, remote, "its socket has no socket actor to reach it from another node");
        WriteHead(w, e, remote);
        w.Write((byte)e.Kind);
        w.Write(socket.Id.ToByteArray());
        w.Write(Akka.Serialization.Serialization.SerializedActorPath(actor));
        w.Write(socket.Tags.Count);
        foreach (var tag in socket.Tags) w.Write(tag);
        var attachment = socket.AttachmentBytes;
        w.Write(attachment is not null);
        if (attachment is not null)
        {
            w.Write(attachment.Length);
            w.Write(attachment);
        }
        switch (e.Kind)
        {
            case SocketEventKind.Message when e.Payload.IsText:
                w.Write(true);
                w.Write(e.Payload.Text);
                break;
            case SocketEventKind.Message:
                w.Write(false);
                w.Write(e.Payload.Binary.Length);
                w.Write(e.Payload.Binary.Span);
                break;
            case SocketEventKind.Close:
                w.Write(e.Code);
                w.Write(e.Reason);
                w.Write(e.WasClean);
                break;
            default:
                w.Write(e.Failure?.GetType().FullName ?? "");
                w.Write(e.Failure?.Message ?? "");
                break;
        }
    }

    private SocketEvent ReadSocketEvent(BinaryReader r)
    {
        var head = ReadHead(r);
        var target = head.Target;
        var kind = (SocketEventKind)r.ReadByte();
        var socketId = ReadGuid(r);
        var actor = Provider.ResolveActorRef(r.ReadString());
        var tags = new string[ReadCount(r)];
        for (var i = 0; i < tags.Length; i++) tags[i] = r.ReadString();
        var attachment = r.ReadBoolean() ? ReadBody(r) : null;
        var remote = objects.Remote;
        var arrivedAt = remote.ArrivalFor(head.Remaining);
        // The object's handle: the one it has here, or one made from the descriptor (its shard moved here, or it
        // hibernated on a node that never saw this socket).
        var socket = remote.Runtime.Sockets.Adopt(target, socketId, tags, attachment, actor);
        var e = kind switch
        {
            SocketEventKind.Message => SocketEvent.Message(socket, arrivedAt, r.ReadBoolean() ? WebSocketMessage.FromText(r.ReadString()) : WebSocketMessage.FromBinary(ReadBody(r))),
            SocketEventKind.Close => Closing(socket, arrivedAt, r.ReadInt32(), r.ReadString(), r.ReadBoolean()),
            SocketEventKind.Error => SocketEvent.Failed(socket, arrivedAt, new RemoteFailureException(r.ReadString(), r.ReadString(), null)),
            _ => throw new InvalidDataException($"A socket event has the unknown kind {(int)kind}."),
        };
        remote.Adopt(e, head.ReplyTo, head.Correlation, head.ReceiptWanted);
        return e;
    }

    private static void WriteChannelEvent(BinaryWriter w, ChannelEvent e, RemoteEvents remote)
    {
        var channel = e.Channel;
        if (channel.Actor is not { } actor)
            throw Refuse(e, remote, "its Phoenix connection has no socket actor to reach it from another node");
        WriteHead(w, e, remote);
        w.Write((byte)e.Kind);
        w.Write(e.Event);
        var hasPayload = e.Payload.ValueKind != System.Text.Json.JsonValueKind.Undefined;
        w.Write(hasPayload);
        if (hasPayload) w.Write(e.Payload.GetRawText());
        w.Write(channel.Topic);
        WriteOptional(w, channel.JoinRef);
        w.Write(Akka.Serialization.Serialization.SerializedActorPath(actor));
    }

    private ChannelEvent ReadChannelEvent(BinaryReader r)
    {
        var head = ReadHead(r);
        var target = head.Target;
        var kind = (ChannelEventKind)r.ReadByte();
        if (kind is not (ChannelEventKind.Join or ChannelEventKind.Message or ChannelEventKind.Leave))
            throw new InvalidDataException($"A channel event has the unknown kind {(int)kind}.");
        var @event = r.ReadString();
        var payload = r.ReadBoolean() ? System.Text.Json.JsonDocument.Parse(r.ReadString()).RootElement.Clone() : default;
        var topic = r.ReadString();
        var joinRef = ReadOptional(r);
        var actor = Provider.ResolveActorRef(r.ReadString());
        var remote = objects.Remote;
        // A join registers its subscriber when the object admits it; a message from a subscriber this node has not seen
        // (the object's shard moved here) registers it, so broadcasts reach it again.
        var channel = remote.Runtime.Sockets.AdoptChannel(target, topic, joinRef, actor, kind);
        var e = new ChannelEvent(channel, remote.ArrivalFor(head.Remaining), kind, @event, payload);
        remote.Adopt(e, head.ReplyTo, head.Correlation, head.ReceiptWanted);
        return e;
    }

    private static SocketEvent Closing(HibernatableSocket socket, long arrivedAt, int code, string reason, bool wasClean)
    {
        socket.MarkClosing();
        return SocketEvent.Closed(socket, arrivedAt, code, reason, wasClean);
    }

    private static Guid ReadGuid(BinaryReader r)
    {
        var bytes = r.ReadBytes(16);
        return bytes.Length == 16 ? new Guid(bytes) : throw new EndOfStreamException();
    }

    /// <summary>Fails an event that cannot be written, and the error Akka's remoting logs while the association stays up.</summary>
    private static SerializationException Refuse(ObjectEvent e, RemoteEvents remote, string why)
    {
        var message = $"{e.Describe()} to object {e.Target} was not sent to the node that has the object: {why}.";
        remote.Release(e);
        e.TryFail(new DurableObjectException(message, null, e.Target));
        return new SerializationException(message);
    }

    // ---- replies ----

    private static FetchReply ReadFetchReply(BinaryReader r)
    {
        var correlation = r.ReadInt64();
        var status = r.ReadInt32();
        var reason = ReadOptional(r);
        var version = Version.Parse(r.ReadString());
        var headers = ReadHeaders(r);
        RemoteHeader[]? contentHeaders = null;
        byte[] body = [];
        if (r.ReadBoolean())
        {
            contentHeaders = ReadHeaders(r);
            body = ReadBody(r);
        }
        return new FetchReply(correlation, status, reason, version, headers, contentHeaders, body);
    }

    private static FailedReply ReadFailedReply(BinaryReader r)
    {
        var correlation = r.ReadInt64();
        var code = r.ReadString();
        var retryable = r.ReadBoolean();
        var causes = new RemoteCause[ReadCount(r)];
        for (var i = 0; i < causes.Length; i++) causes[i] = new RemoteCause(r.ReadString(), r.ReadString());
        return new FailedReply(correlation, code, retryable, causes);
    }

    // ---- parts ----

    private static void WriteHeaders(BinaryWriter w, RemoteHeader[] headers)
    {
        w.Write(headers.Length);
        foreach (var header in headers)
        {
            w.Write(header.Name);
            w.Write(header.Values.Length);
            foreach (var value in header.Values) w.Write(value);
        }
    }

    private static RemoteHeader[] ReadHeaders(BinaryReader r)
    {
        var headers = new RemoteHeader[ReadCount(r)];
        for (var i = 0; i < headers.Length; i++)
        {
            var name = r.ReadString();
            var values = new string[ReadCount(r)];
            for (var j = 0; j < values.Length; j++) values[j] = r.ReadString();
            headers[i] = new RemoteHeader(name, values);
        }
        return headers;
    }

    private static byte[] ReadBody(BinaryReader r)
    {
        var length = ReadCount(r);
        var body = r.ReadBytes(length);
        return body.Length == length ? body : throw new EndOfStreamException();
    }

    private static int ReadCount(BinaryReader r)
    {
        var count = r.ReadInt32();
        return count >= 0 && count <= r.BaseStream.Length - r.BaseStream.Position ? count : throw new EndOfStreamException();
    }

    private static void WriteOptional(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null) w.Write(value);
    }

    private static string? ReadOptional(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;
}
