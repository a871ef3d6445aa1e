using System.Buffers.Binary;
using System.Text;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.Serialization;

namespace Durable.Persistence;

/// <summary>
/// The payload column of the journal and the snapshot store. Formats are forever: a payload starts with its version byte,
/// a new layout gets a new version, and old versions stay readable. The event or snapshot itself is serialized by Akka's
/// serialization (its serializer id and manifest are stored), so any type with a serializer can be persisted.
/// <code>
/// v1: 0x01 flags:u8 serializerId:zigzag-varint
///     [manifest:str if flags&amp;1] [adapterManifest:str if flags&amp;2]
///     [writer:16-byte guid if flags&amp;4 | writer:str if flags&amp;8] [tags: count:varint {str} if flags&amp;16]
///     data: the rest
/// str = length:varint utf8
/// </code>
/// Snapshots use the same layout with only the serializer fields.
/// </summary>
internal static class EventCodec
{
    public const byte V1 = 1;

    private const byte HasManifest = 1, HasAdapterManifest = 2, HasGuidWriter = 4, HasTextWriter = 8, HasTags = 16;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Serializes one event of an AtomicWrite; a <see cref="Tagged"/> payload is stored untagged, with its tags.</summary>
    public static byte[] EncodeEvent(ExtendedActorSystem system, IPersistentRepresentation persistent)
    {
        var payload = persistent.Payload;
        IReadOnlyCollection<string>? tags = null;
        if (payload is Tagged tagged)
        {
            payload = tagged.Payload;
            if (tagged.Tags.Count > 0) tags = tagged.Tags;
        }
        var (serializer, data) = Serialize(system, payload);
        var manifest = Serialization.ManifestFor(serializer, payload);
        var adapterManifest = persistent.Manifest;
        var writer = persistent.WriterGuid;
        var guidWriter = IsCanonicalGuid(writer, out var writerGuid);

        // The exact size, so the payload is the buffer itself.
        byte flags = 0;
        var size = 2 + VarIntSize(ZigZag(serializer.Identifier)) + data.Length;
        if (!string.IsNullOrEmpty(manifest)) { flags |= HasManifest; size += StringSize(manifest); }
        if (!string.IsNullOrEmpty(adapterManifest)) { flags |= HasAdapterManifest; size += StringSize(adapterManifest); }
        if (guidWriter) { flags |= HasGuidWriter; size += 16; }
        else if (!string.IsNullOrEmpty(writer)) { flags |= HasTextWriter; size += StringSize(writer); }
        if (tags is not null)
        {
            flags |= HasTags;
            size += VarIntSize((uint)tags.Count);
            foreach (var tag in tags) size += StringSize(tag);
        }

        var buffer = new byte[size];
        var at = 0;
        buffer[at++] = V1;
        buffer[at++] = flags;
        at += VarInt(buffer.AsSpan(at), ZigZag(serializer.Identifier));
        if ((flags & HasManifest) != 0) at += String(buffer.AsSpan(at), manifest);
        if ((flags & HasAdapterManifest) != 0) at += String(buffer.AsSpan(at), adapterManifest);
        if (guidWriter) { writerGuid.TryWriteBytes(buffer.AsSpan(at)); at += 16; }
        else if ((flags & HasTextWriter) != 0) at += String(buffer.AsSpan(at), writer);
        if (tags is not null)
        {
            at += VarInt(buffer.AsSpan(at), (uint)tags.Count);
            foreach (var tag in tags) at += String(buffer.AsSpan(at), tag);
        }
        data.CopyTo(buffer.AsSpan(at));
        return buffer;
    }

    public static byte[] EncodeSnapshot(ExtendedActorSystem system, object snapshot)
    {
        var (serializer, data) = Serialize(system, snapshot);
        var manifest = Serialization.ManifestFor(serializer, snapshot);
        var flags = string.IsNullOrEmpty(manifest) ? (byte)0 : HasManifest;
        var buffer = new byte[2 + VarIntSize(ZigZag(serializer.Identifier)) + (flags != 0 ? StringSize(manifest) : 0) + data.Length];
        var at = 0;
        buffer[at++] = V1;
        buffer[at++] = flags;
        at += VarInt(buffer.AsSpan(at), ZigZag(serializer.Identifier));
        if (flags != 0) at += String(buffer.AsSpan(at), manifest);
        data.CopyTo(buffer.AsSpan(at));
        return buffer;
    }

    public static Persistent DecodeEvent(Serialization serialization, string persistenceId, in StoredEvent stored)
    {
        var reader = new Reader(stored.Payload, persistenceId, stored.SequenceNr);
        var flags = reader.Header();
        if ((flags & ~(HasManifest | HasAdapterManifest | HasGuidWriter | HasTextWriter | HasTags)) != 0)
            throw reader.Corrupt($"unknown flags 0x{flags:x2}");
        var serializerId = reader.SerializerId();
        var manifest = (flags & HasManifest) != 0 ? reader.String() : "";
        var adapterManifest = (flags & HasAdapterManifest) != 0 ? reader.String() : "";
        var writer = (flags & HasGuidWriter) != 0 ? reader.Guid().ToString()
            : (flags & HasTextWriter) != 0 ? reader.String()
            : "";
        if ((flags & HasTags) != 0)
        {
            var count = reader.Count();
            for (var i = 0; i < count; i++) reader.String();
        }
        var payload = serialization.Deserialize(reader.Rest(), serializerId, manifest);
        return new Persistent(payload, stored.SequenceNr, persistenceId, adapterManifest, isDeleted: false, ActorRefs.NoSender, writer, stored.Timestamp);
    }

    public static object DecodeSnapshot(Serialization serialization, string persistenceId, long sequenceNr, byte[] payload)
    {
        var reader = new Reader(payload, persistenceId, sequenceNr);
        var flags = reader.Header();
        if ((flags & ~HasManifest) != 0) throw reader.Corrupt($"unknown snapshot flags 0x{flags:x2}");
        var serializerId = reader.SerializerId();
        var manifest = flags != 0 ? reader.String() : "";
        return serialization.Deserialize(reader.Rest(), serializerId, manifest);
    }

    private static (Serializer Serializer, byte[] Data) Serialize(ExtendedActorSystem system, object value)
    {
        var serializer = system.Serialization.FindSerializerFor(value);
        // The transport information lets actor references inside the value serialize with this system's address.
        var data = Serialization.WithTransport(system, (serializer, value), static state => state.serializer.ToBinary(state.value));
        return (serializer, data);
    }

    /// <summary>Whether the writer id is a GUID in its canonical form (lowercase "D", as Akka makes them), which is then
    /// stored as 16 bytes; compared without making the GUID's string (an event's encoding should allocate only its payload).</summary>
    private static bool IsCanonicalGuid(string? text, out Guid guid)
    {
        guid = default;
        if (text is not { Length: 36 } || !Guid.TryParseExact(text, "D", out guid)) return false;
        Span<char> canonical = stackalloc char[36];
        return guid.TryFormat(canonical, out var written, "D") && canonical[..written].SequenceEqual(text);
    }

    private static uint ZigZag(int value) => (uint)((value << 1) ^ (value >> 31));

    private static int VarIntSize(uint value) => value < 1u << 7 ? 1 : value < 1u << 14 ? 2 : value < 1u << 21 ? 3 : value < 1u << 28 ? 4 : 5;

    private static int StringSize(string value)
    {
        var length = StrictUtf8.GetByteCount(value);
        return VarIntSize((uint)length) + length;
    }

    private static int String(Span<byte> destination, string value)
    {
        var length = StrictUtf8.GetByteCount(value);
        var at = VarInt(destination, (uint)length);
        StrictUtf8.GetBytes(value, destination[at..]);
        return at + length;
    }

    private static int VarInt(Span<byte> destination, uint value)
    {
        var at = 0;
        while (value >= 0x80)
        {
            destination[at++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[at++] = (byte)value;
        return at;
    }

    private ref struct Reader(ReadOnlySpan<byte> payload, string persistenceId, long sequenceNr)
    {
        private readonly ReadOnlySpan<byte> _payload = payload;
        private int _at;

        public byte Header()
        {
            var version = Byte();
            if (version != V1) throw Corrupt($"unknown payload format version {version}");
            return Byte();
        }

        public int SerializerId()
        {
            var zigzag = VarInt();
            return (int)(zigzag >> 1) ^ -(int)(zigzag & 1);
        }

        public int Count()
        {
            var count = VarInt();
            if (count > (uint)(_payload.Length - _at)) throw Corrupt($"a count of {count} past the payload's end");
            return (int)count;
        }

        public string String()
        {
            var length = Count();
            try
            {
                var text = StrictUtf8.GetString(_payload.Slice(_at, length));
                _at += length;
                return text;
            }
            catch (DecoderFallbackException)
            {
                throw Corrupt("a string that is not UTF-8");
            }
        }

        public Guid Guid()
        {
            if (_payload.Length - _at < 16) throw Corrupt("a writer id past the payload's end");
            var guid = new Guid(_payload.Slice(_at, 16));
            _at += 16;
            return guid;
        }

        public byte[] Rest() => _payload[_at..].ToArray();

        public readonly PersistencePayloadCorruptException Corrupt(string problem) =>
            new(persistenceId, sequenceNr, problem);

        private byte Byte()
        {
            if (_at >= _payload.Length) throw Corrupt("it ends early");
            return _payload[_at++];
        }

        private uint VarInt()
        {
            uint value = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                var b = Byte();
                value |= (uint)(b & 0x7f) << shift;
                if (b < 0x80) return value;
            }
            throw Corrupt("a varint longer than 5 bytes");
        }
    }
}
