using System.Buffers.Binary;
using Akka.Actor;
using Akka.Serialization;
using Durable.Storage;
using Durable.Storage.Journal;

namespace Durable.Objects;

/// <summary>
/// Akka serializer for what objects persist: their batch events and snapshots. Formats are forever: every payload
/// starts with its version byte, and decoders keep reading every version ever written.
/// <code>
/// manifest "B" (BatchCommitted) v1: 0x01 at:i64 utc ticks, then the batch in JournalCodec's event format
/// manifest "S" (ObjectSnapshot) v1: 0x01 at:i64 utc ticks, then the state in JournalCodec's snapshot format
/// </code>
/// </summary>
internal sealed class DurableSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 7101;
    private const string BatchManifest = "B";
    private const string SnapshotManifest = "S";
    private const byte V1 = 1;

    // Errors name the persisted thing, not an object: the journal names the persistence id when it reports them.
    private static readonly ObjectKey Persisted = new("persisted", "event");

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        BatchCommitted => BatchManifest,
        ObjectSnapshot => SnapshotManifest,
        _ => throw new ArgumentException($"DurableSerializer cannot serialize {o.GetType()}.", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        BatchCommitted e => Frame(e.At, JournalCodec.EncodeEvent(e.Batch)),
        ObjectSnapshot s => Frame(s.At, s.State),
        _ => throw new ArgumentException($"DurableSerializer cannot serialize {obj.GetType()}.", nameof(obj)),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (bytes.Length < 9 || bytes[0] != V1)
            throw new InvalidDataException($"A persisted '{manifest}' payload has an unknown version or is truncated ({bytes.Length} bytes).");
        var at = new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(1)), TimeSpan.Zero);
        return manifest switch
        {
            BatchManifest => new BatchCommitted(at, JournalCodec.DecodeEvent(Persisted, 0, bytes.AsSpan(9))),
            SnapshotManifest => new ObjectSnapshot(at, bytes.AsSpan(9).ToArray()),
            _ => throw new InvalidDataException($"A persisted payload has the unknown manifest '{manifest}'."),
        };
    }

    private static byte[] Frame(DateTimeOffset at, byte[] body)
    {
        var bytes = new byte[9 + body.Length];
        bytes[0] = V1;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(1), at.UtcTicks);
        body.CopyTo(bytes.AsSpan(9));
        return bytes;
    }
}
