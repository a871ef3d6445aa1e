using System.Net.WebSockets;
using Akka.Actor;
using Akka.Serialization;
using Durable.Internal;

namespace Durable.Objects;

/// <summary>
/// Akka serializer for what an object tells a socket actor at another node's edge. Only on the wire between nodes, never
/// persisted; every payload starts with its version byte, so a node refuses a version it cannot read.
/// <code>
/// "O" OutgoingFrame v1:      0x01 type:u8 (0 text, 1 binary, 2 close) then text/binary: length:i32 bytes,
///                            close: code:i32 hasReason:bool [reason:string]
/// "T" SocketAttachment v1:   0x01 hasAttachment:bool [length:i32 bytes]
/// "R" SocketAutoResponse v1: 0x01 isSet:bool [request:string response:string]
/// "P" ChannelPush v1:        0x01 topic:string hasJoinRef:bool [joinRef:string] event:string length:i32 payload JSON
/// "Q" SocketsOf v1:          0x01 namespace:string id:32 bytes hasName:bool [name:string]
/// "H" SocketsHere v2:        0x02 count:i32 then socketId:16 bytes actor:string tags:i32 then strings
///                            hasAttachment:bool [length:i32 bytes] autoResponseAt:i64; then channels:i32 then
///                            topic:string hasJoinRef:bool [joinRef:string] actor:string
///                            (v1, still read: the sockets without autoResponseAt, no channels)
/// "K" SocketHeld v1:         0x01 socketId:16 bytes
/// "A" SocketAutoResponded v1: 0x01 namespace:string id:32 bytes hasName:bool [name:string] socketId:16 bytes at:i64
/// </code>
/// </summary>
internal sealed class SocketMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 7104;
    private const byte V1 = 1;
    private const byte V2 = 2;

    public static readonly Type[] Types = [typeof(OutgoingFrame), typeof(SocketAttachment), typeof(SocketAutoResponse), typeof(SocketsOf), typeof(SocketsHere), typeof(ChannelPush), typeof(SocketHeld), typeof(SocketAutoResponded)];

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        OutgoingFrame => "O",
        SocketAttachment => "T",
        SocketAutoResponse => "R",
        SocketsOf => "Q",
        ChannelPush => "P",
        SocketsHere => "H",
        SocketHeld => "K",
        SocketAutoResponded => "A",
        _ => throw new ArgumentException($"SocketMessageSerializer cannot serialize {o.GetType()}.", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write(obj is SocketsHere ? V2 : V1);
            switch (obj)
            {
                case OutgoingFrame { Type: WebSocketMessageType.Close } frame:
                    w.Write((byte)2);
                    w.Write(frame.CloseCode);
                    w.Write(frame.CloseReason is not null);
                    if (frame.CloseReason is not null) w.Write(frame.CloseReason);
                    break;
                case OutgoingFrame frame:
                    w.Write(frame.Type == WebSocketMessageType.Text ? (byte)0 : (byte)1);
                    WriteBytes(w, frame.Data.Span);
                    break;
                case SocketAttachment attachment:
                    w.Write(attachment.Attachment is not null);
                    if (attachment.Attachment is not null) WriteBytes(w, attachment.Attachment);
                    break;
                case SocketAutoResponse pair:
                    var set = pair.Request is not null && pair.Response is not null;
                    w.Write(set);
                    if (set)
                    {
                        w.Write(pair.Request!);
                        w.Write(pair.Response!);
                    }
                    break;
                case ChannelPush push:
                    w.Write(push.Topic);
                    w.Write(push.JoinRef is not null);
                    if (push.JoinRef is not null) w.Write(push.JoinRef);
                    w.Write(push.Event);
                    WriteBytes(w, push.Payload);
                    break;
                case SocketsOf query:
                    WriteTarget(w, query.Target);
                    break;
                case SocketHeld held:
                    w.Write(held.SocketId.ToByteArray());
                    break;
                case SocketAutoResponded responded:
                    WriteTarget(w, responded.Target);
                    w.Write(responded.SocketId.ToByteArray());
                    w.Write(responded.At);
                    break;
                case SocketsHere here:
                    w.Write(here.Sockets.Length);
                    foreach (var socket in here.Sockets)
                    {
                        w.Write(socket.SocketId.ToByteArray());
                        w.Write(Akka.Serialization.Serialization.SerializedActorPath(socket.Actor));
                        w.Write(socket.Tags.Length);
                        foreach (var tag in socket.Tags) w.Write(tag);
                        w.Write(socket.Attachment is not null);
                        if (socket.Attachment is not null) WriteBytes(w, socket.Attachment);
                        w.Write(socket.AutoResponseAt);
                    }
                    w.Write(here.Channels.Length);
                    foreach (var channel in here.Channels)
                    {
                        w.Write(channel.Topic);
                        w.Write(channel.JoinRef is not null);
                        if (channel.JoinRef is not null) w.Write(channel.JoinRef);
                        w.Write(Akka.Serialization.Serialization.SerializedActorPath(channel.Actor));
                    }
                    break;
                default:
                    throw new ArgumentException($"SocketMessageSerializer cannot serialize {obj.GetType()}.", nameof(obj));
            }
        }
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false));
        try
        {
            if (manifest is not ("O" or "T" or "R" or "Q" or "H" or "P" or "K" or "A"))
                throw new InvalidDataException($"A socket message payload has the unknown manifest '{manifest}'.");
            var newest = manifest == "H" ? V2 : V1;
            if (r.ReadByte() is var version && (version < V1 || version > newest))
                throw new InvalidDataException($"A socket message '{manifest}' payload has the unknown version {version}; this node reads versions {V1}-{newest}.");
            return manifest switch
            {
                "O" => ReadFrame(r),
                "T" => new SocketAttachment(r.ReadBoolean() ? ReadBytes(r) : null),
                "Q" => new SocketsOf(ReadTarget(r)),
                "P" => new ChannelPush(r.ReadString(), r.ReadBoolean() ? r.ReadString() : null, r.ReadString(), ReadBytes(r)),
                "H" => ReadHere(r, version),
                "K" => new SocketHeld(ReadGuid(r)),
                "A" => new SocketAutoResponded(ReadTarget(r), ReadGuid(r), r.ReadInt64()),
                _ => r.ReadBoolean() ? new SocketAutoResponse(r.ReadString(), r.ReadString()) : new SocketAutoResponse(null, null),
            };
        }
        catch (EndOfStreamException error)
        {
            throw new InvalidDataException($"A socket message '{manifest}' payload is truncated ({bytes.Length} bytes).", error);
        }
    }

    private static OutgoingFrame ReadFrame(BinaryReader r) => r.ReadByte() switch
    {
        0 => new OutgoingFrame(ReadBytes(r), WebSocketMessageType.Text),
        1 => new OutgoingFrame(ReadBytes(r), WebSocketMessageType.Binary),
        2 => OutgoingFrame.Close(r.ReadInt32(), r.ReadBoolean() ? r.ReadString() : null),
        var type => throw new InvalidDataException($"A socket frame has the unknown type {type}."),
    };

    private static void WriteTarget(BinaryWriter w, DurableObjectId target)
    {
        w.Write(target.Namespace);
        w.Write(target.Bytes);
        w.Write(target.Name is not null);
        if (target.Name is not null) w.Write(target.Name);
    }

    private static Guid ReadGuid(BinaryReader r)
    {
        var bytes = r.ReadBytes(16);
        return bytes.Length == 16 ? new Guid(bytes) : throw new EndOfStreamException();
    }

    private static DurableObjectId ReadTarget(BinaryReader r)
    {
        var ns = r.ReadString();
        var id = r.ReadBytes(DurableObjectId.ByteLength);
        if (id.Length != DurableObjectId.ByteLength) throw new EndOfStreamException();
        return new DurableObjectId(ns, id, r.ReadBoolean() ? r.ReadString() : null);
    }

    private SocketsHere ReadHere(BinaryReader r, byte version)
    {
        var sockets = new SocketDescriptor[ReadCount(r)];
        for (var i = 0; i < sockets.Length; i++)
        {
            var socketId = ReadGuid(r);
            var actor = system.Provider.ResolveActorRef(r.ReadString());
            var tags = new string[ReadCount(r)];
            for (var j = 0; j < tags.Length; j++) tags[j] = r.ReadString();
            var attachment = r.ReadBoolean() ? ReadBytes(r) : null;
            sockets[i] = new SocketDescriptor(socketId, actor, tags, attachment, version >= V2 ? r.ReadInt64() : 0);
        }
        var channels = new ChannelDescriptor[version >= V2 ? ReadCount(r) : 0];
        for (var i = 0; i < channels.Length; i++)
            channels[i] = new ChannelDescriptor(r.ReadString(), r.ReadBoolean() ? r.ReadString() : null, system.Provider.ResolveActorRef(r.ReadString()));
        return new SocketsHere(sockets, channels);
    }

    private static int ReadCount(BinaryReader r)
    {
        var count = r.ReadInt32();
        return count >= 0 && count <= r.BaseStream.Length - r.BaseStream.Position ? count : throw new EndOfStreamException();
    }

    private static void WriteBytes(BinaryWriter w, ReadOnlySpan<byte> bytes)
    {
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private static byte[] ReadBytes(BinaryReader r)
    {
        var length = r.ReadInt32();
        if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position) throw new EndOfStreamException();
        return r.ReadBytes(length);
    }
}
