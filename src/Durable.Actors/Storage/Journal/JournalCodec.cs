using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Durable.Storage.Journal;

/// <summary>
/// The binary formats of journal events and snapshots. Formats are forever: every payload starts with its format
/// version byte, a new layout gets a new version, and decoders keep reading every version ever written. Anything that
/// does not decode exactly (unknown version, short or trailing bytes, bad UTF-8) is a <see cref="JournalCorruptException"/>
/// naming the object and seq, never a silent skip.
/// <code>
/// event v1:    0x01 flags:u8 [alarm:i64 utc ticks if flags&amp;4] count:varint { key writes }
///              flags 1 = delete-all, 2 = alarm changed, 4 = alarm set
///              write = keyLength:varint key:utf8 tag:u8 (0 delete, 1 json, 2 bytes) [length:varint data]
/// snapshot v1: 0x01 flags:u8 [alarm:i64 if flags&amp;1] count:varint { keyLength:varint key:utf8 kind:u8 length:varint data }
///              entries in UTF-8 key order
/// </code>
/// </summary>
internal static class JournalCodec
{
    public const byte EventV1 = 1;
    public const byte SnapshotV1 = 1;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] EncodeEvent(WriteBatch batch)
    {
        var writer = new ArrayBufferWriter<byte>(64 + batch.Count * 32);
        Byte(writer, EventV1);
        byte flags = 0;
        if (batch.DeleteAll) flags |= 1;
        if (batch.AlarmChanged) flags |= 2;
        if (batch.AlarmChanged && batch.Alarm is not null) flags |= 4;
        Byte(writer, flags);
        if ((flags & 4) != 0) Int64(writer, batch.Alarm!.Value.UtcTicks);
        VarInt(writer, (ulong)batch.Count);
        foreach (var (key, value) in batch.Writes)
        {
            String(writer, key);
            if (value is not { } v) Byte(writer, 0);
            else
            {
                Byte(writer, v.Kind == StoredValueKind.Json ? (byte)1 : (byte)2);
                Bytes(writer, v.Data);
            }
        }
        return writer.WrittenSpan.ToArray();
    }

    public static WriteBatch DecodeEvent(ObjectKey key, long seq, ReadOnlySpan<byte> payload)
    {
        var reader = new Reader(payload, key, seq, "journal event");
        var version = reader.Byte();
        if (version != EventV1) throw reader.Corrupt($"unknown event format version {version}");
        var flags = reader.Byte();
        if ((flags & ~7) != 0) throw reader.Corrupt($"unknown flags 0x{flags:x2}");
        var batch = new WriteBatch();
        if ((flags & 1) != 0) batch.Clear();
        if ((flags & 2) != 0) batch.SetAlarm((flags & 4) != 0 ? reader.Time() : null);
        else if ((flags & 4) != 0) throw reader.Corrupt("an alarm time without an alarm change");
        var count = reader.Count();
        for (var i = 0; i < count; i++)
        {
            var name = reader.String();
            switch (reader.Byte())
            {
                case 0: batch.Delete(name); break;
                case 1: batch.Put(name, new StoredValue(StoredValueKind.Json, reader.Bytes())); break;
                case 2: batch.Put(name, new StoredValue(StoredValueKind.Bytes, reader.Bytes())); break;
                case var tag: throw reader.Corrupt($"unknown write tag {tag}");
            }
        }
        reader.End();
        return batch;
    }

    public static byte[] EncodeSnapshot(ObjectData data)
    {
        var writer = new ArrayBufferWriter<byte>(64 + data.Entries.Count * 32);
        Byte(writer, SnapshotV1);
        Byte(writer, data.Alarm is null ? (byte)0 : (byte)1);
        if (data.Alarm is { } alarm) Int64(writer, alarm.UtcTicks);
        VarInt(writer, (ulong)data.Entries.Count);
        foreach (var (name, value) in data.Entries.Entries())
        {
            String(writer, name);
            Byte(writer, (byte)value.Kind);
            Bytes(writer, value.Data);
        }
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Starts <paramref name="data"/> (an empty fold) from a snapshot taken at <paramref name="seq"/>.</summary>
    public static void DecodeSnapshot(ObjectData data, long seq, DateTimeOffset time, ReadOnlySpan<byte> payload)
    {
        var reader = new Reader(payload, data.Key, seq, "snapshot");
        var version = reader.Byte();
        if (version != SnapshotV1) throw reader.Corrupt($"unknown snapshot format version {version}");
        var flags = reader.Byte();
        if ((flags & ~1) != 0) throw reader.Corrupt($"unknown flags 0x{flags:x2}");
        DateTimeOffset? alarm = (flags & 1) != 0 ? reader.Time() : null;
        var count = reader.Count();
        var entries = new KeyValuePair<string, StoredValue>[count];
        for (var i = 0; i < count; i++)
        {
            var name = reader.String();
            var kind = reader.Byte();
            if (kind > (byte)StoredValueKind.Bytes) throw reader.Corrupt($"unknown value kind {kind}");
            entries[i] = new(name, new StoredValue((StoredValueKind)kind, reader.Bytes()));
        }
        reader.End();
        data.Restore(seq, time, entries, alarm);
    }

    private static void Byte(ArrayBufferWriter<byte> writer, byte value)
    {
        writer.GetSpan(1)[0] = value;
        writer.Advance(1);
    }

    private static void Int64(ArrayBufferWriter<byte> writer, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    private static void VarInt(ArrayBufferWriter<byte> writer, ulong value)
    {
        var span = writer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        writer.Advance(i);
    }

    private static void String(ArrayBufferWriter<byte> writer, string value)
    {
        var length = StrictUtf8.GetByteCount(value);
        VarInt(writer, (ulong)length);
        StrictUtf8.GetBytes(value, writer.GetSpan(length));
        writer.Advance(length);
    }

    private static void Bytes(ArrayBufferWriter<byte> writer, byte[] value)
    {
        VarInt(writer, (ulong)value.Length);
        writer.Write(value);
    }

    private ref struct Reader(ReadOnlySpan<byte> payload, ObjectKey key, long seq, string part)
    {
        private readonly ReadOnlySpan<byte> _payload = payload;
        private int _position;

        public JournalCorruptException Corrupt(string reason, Exception? inner = null) =>
            new(key, seq, part, $"{reason} at byte {_position} of {_payload.Length}", inner);

        public byte Byte()
        {
            if (_position >= _payload.Length) throw Corrupt("it ends early");
            return _payload[_position++];
        }

        public DateTimeOffset Time()
        {
            if (_payload.Length - _position < 8) throw Corrupt("it ends early");
            var ticks = BinaryPrimitives.ReadInt64LittleEndian(_payload[_position..]);
            if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
                throw Corrupt($"alarm ticks {ticks} out of range");
            _position += 8;
            return new DateTimeOffset(ticks, TimeSpan.Zero);
        }

        public int Count()
        {
            var value = VarInt();
            // Every counted item takes at least two bytes, so a larger count cannot be honest.
            if (value > (ulong)(_payload.Length - _position)) throw Corrupt($"count {value} exceeds the payload");
            return (int)value;
        }

        public string String()
        {
            var bytes = Span();
            try
            {
                return StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException error)
            {
                throw Corrupt("a key is not valid UTF-8", error);
            }
        }

        public byte[] Bytes() => Span().ToArray();

        public void End()
        {
            if (_position != _payload.Length) throw Corrupt($"{_payload.Length - _position} trailing bytes");
        }

        private ReadOnlySpan<byte> Span()
        {
            var length = VarInt();
            if (length > (ulong)(_payload.Length - _position)) throw Corrupt($"length {length} exceeds the payload");
            var span = _payload.Slice(_position, (int)length);
            _position += (int)length;
            return span;
        }

        private ulong VarInt()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = Byte();
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return value;
            }
            throw Corrupt("a varint is too long");
        }
    }
}
