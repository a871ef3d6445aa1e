using Akka.Actor;
using Akka.Serialization;
using Durable.Storage;
using static Durable.Objects.AlarmBookProtocol;

namespace Durable.Objects;

/// <summary>
/// Akka serializer for what alarm books persist, and for the commands and replies that cross nodes when an object and
/// its book live on different ones. Formats are forever: every payload starts with its version byte. Times are UTC
/// ticks (i64), an optional time is a presence byte then the ticks, an object is its namespace and id as
/// length-prefixed UTF-8 strings.
/// <code>
/// "AN" AlarmNoted v1:          0x01 object due
/// "AC" AlarmConfirmed v1:      0x01 object due?
/// "AF" AlarmFinished v1:       0x01 object due version:i64
/// "AR" AlarmRetryScheduled v1: 0x01 object due version:i64 retryCount:i32 fireAt?
/// "AS" AlarmBookSnapshot v1:   0x01 lastVersion:i64 count:i32 then per entry: object due version:i64 retryCount:i32 fireAt?
/// "CN" NoteAlarm v1:           0x01 object due
/// "CC" ConfirmAlarm v1:        0x01 object due?
/// "CG" GetAlarms v1:           0x01 object
/// "RN" AlarmNoteResult v1:     0x01 object due
/// "RB" AlarmBookResult v1:     0x01 count:i32 then per entry: object due version:i64 retryCount:i32 fireAt?
/// </code>
/// </summary>
internal sealed class AlarmBookSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 7102;
    private const byte V1 = 1;

    public static readonly Type[] Types =
    [
        typeof(AlarmNoted), typeof(AlarmConfirmed), typeof(AlarmFinished), typeof(AlarmRetryScheduled), typeof(AlarmBookSnapshot),
        typeof(NoteAlarm), typeof(ConfirmAlarm), typeof(GetAlarms), typeof(AlarmNoteResult), typeof(AlarmBookResult),
    ];

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        AlarmNoted => "AN",
        AlarmConfirmed => "AC",
        AlarmFinished => "AF",
        AlarmRetryScheduled => "AR",
        AlarmBookSnapshot => "AS",
        NoteAlarm => "CN",
        ConfirmAlarm => "CC",
        GetAlarms => "CG",
        AlarmNoteResult => "RN",
        AlarmBookResult => "RB",
        _ => throw new ArgumentException($"AlarmBookSerializer cannot serialize {o.GetType()}.", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write(V1);
            switch (obj)
            {
                case AlarmNoted e:
                    WriteObjectAt(w, e.Object, e.Due);
                    break;
                case NoteAlarm c:
                    WriteObjectAt(w, c.Object, c.Due);
                    break;
                case AlarmNoteResult r:
                    WriteObjectAt(w, r.Object, r.Due);
                    break;
                case AlarmConfirmed e:
                    WriteObjectAt(w, e.Object, e.Due);
                    break;
                case ConfirmAlarm c:
                    WriteObjectAt(w, c.Object, c.Due);
                    break;
                case GetAlarms c:
                    WriteObject(w, c.Object);
                    break;
                case AlarmBookResult r:
                    w.Write(r.Entries.Count);
                    foreach (var entry in r.Entries)
                        WriteAttempt(w, entry.Object, entry.Due, entry.Version, entry.RetryCount, entry.FireAt);
                    break;
                case AlarmFinished e:
                    WriteObject(w, e.Object);
                    w.Write(e.Due.UtcTicks);
                    w.Write(e.Version);
                    break;
                case AlarmRetryScheduled e:
                    WriteAttempt(w, e.Object, e.Due, e.Version, e.RetryCount, e.FireAt);
                    break;
                case AlarmBookSnapshot s:
                    w.Write(s.State.LastVersion);
                    w.Write(s.State.Count);
                    foreach (var entry in s.State.Entries)
                        WriteAttempt(w, entry.Object, entry.Due, entry.Version, entry.RetryCount, entry.FireAt);
                    break;
                default:
                    throw new ArgumentException($"AlarmBookSerializer cannot serialize {obj.GetType()}.", nameof(obj));
            }
        }
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes));
        try
        {
            if (r.ReadByte() != V1) throw new InvalidDataException($"An alarm book '{manifest}' payload has an unknown version {bytes[0]}.");
            return manifest switch
            {
                "AN" => new AlarmNoted(ReadObject(r), ReadTime(r)),
                "AC" => new AlarmConfirmed(ReadObject(r), ReadOptional(r)),
                "AF" => new AlarmFinished(ReadObject(r), ReadTime(r), r.ReadInt64()),
                "AR" => new AlarmRetryScheduled(ReadObject(r), ReadTime(r), r.ReadInt64(), r.ReadInt32(), ReadOptional(r)),
                "AS" => ReadSnapshot(r),
                "CN" => new NoteAlarm(ReadObject(r), ReadTime(r)),
                "CC" => new ConfirmAlarm(ReadObject(r), ReadOptional(r)),
                "CG" => new GetAlarms(ReadObject(r)),
                "RN" => new AlarmNoteResult(ReadObject(r), ReadTime(r)),
                "RB" => new AlarmBookResult(ReadEntries(r)),
                _ => throw new InvalidDataException($"An alarm book payload has the unknown manifest '{manifest}'."),
            };
        }
        catch (EndOfStreamException error)
        {
            throw new InvalidDataException($"An alarm book '{manifest}' payload is truncated ({bytes.Length} bytes).", error);
        }
    }

    private static AlarmBookSnapshot ReadSnapshot(BinaryReader r)
    {
        var lastVersion = r.ReadInt64();
        return new AlarmBookSnapshot(AlarmBookState.From(ReadEntries(r), lastVersion));
    }

    private static AlarmBookEntry[] ReadEntries(BinaryReader r)
    {
        var entries = new AlarmBookEntry[r.ReadInt32()];
        for (var i = 0; i < entries.Length; i++)
            entries[i] = new AlarmBookEntry(ReadObject(r), ReadTime(r), r.ReadInt64(), r.ReadInt32(), ReadOptional(r));
        return entries;
    }

    // An entry's next attempt: the layout an AlarmRetryScheduled and a snapshot's entry share.
    private static void WriteAttempt(BinaryWriter w, ObjectKey key, DateTimeOffset due, long version, int retryCount, DateTimeOffset? fireAt)
    {
        WriteObject(w, key);
        w.Write(due.UtcTicks);
        w.Write(version);
        w.Write(retryCount);
        WriteOptional(w, fireAt);
    }

    // "object due" and "object due?": the layouts the notes, confirmations and their replies share.
    private static void WriteObjectAt(BinaryWriter w, ObjectKey key, DateTimeOffset due)
    {
        WriteObject(w, key);
        w.Write(due.UtcTicks);
    }

    private static void WriteObjectAt(BinaryWriter w, ObjectKey key, DateTimeOffset? due)
    {
        WriteObject(w, key);
        WriteOptional(w, due);
    }

    private static void WriteObject(BinaryWriter w, ObjectKey key)
    {
        w.Write(key.Namespace);
        w.Write(key.Id);
    }

    private static ObjectKey ReadObject(BinaryReader r) => new(r.ReadString(), r.ReadString());

    private static void WriteOptional(BinaryWriter w, DateTimeOffset? time)
    {
        w.Write(time.HasValue);
        if (time is { } t) w.Write(t.UtcTicks);
    }

    private static DateTimeOffset ReadTime(BinaryReader r) => new(r.ReadInt64(), TimeSpan.Zero);

    private static DateTimeOffset? ReadOptional(BinaryReader r) => r.ReadBoolean() ? ReadTime(r) : null;
}
