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
/// </code>
/// </summary>
internal sealed class SocketMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 7104;
    private const byte V1 = 1;

    public static readonly Type[] Types = [typeof(OutgoingFrame), typeof(SocketAttachment), typeof(SocketAutoResponse)];

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        OutgoingFrame => "O",
        SocketAttachment => "T",
        SocketAutoResponse => "R",
        _ => throw new ArgumentException($"SocketMessageSerializer cannot serialize {o.GetType()}.", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write(V1);
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
            if (manifest is not ("O" or "T" or "R"))
                throw new InvalidDataException($"A socket message payload has the unknown manifest '{manifest}'.");
            if (r.ReadByte() is var version && version != V1)
                throw new InvalidDataException($"A socket message '{manifest}' payload has the unknown version {version}; this node reads version {V1}.");
            return manifest switch
            {
                "O" => ReadFrame(r),
                "T" => new SocketAttachment(r.ReadBoolean() ? ReadBytes(r) : null),
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
