using Akka.Persistence;

namespace Durable.Persistence;

/// <summary>A journal row: sequence number, Akka's timestamp (ticks) and the <see cref="EventCodec"/> payload.</summary>
internal readonly record struct StoredEvent(long SequenceNr, long Timestamp, byte[] Payload);

/// <summary>A snapshot row: sequence number, creation time (UTC ticks) and the <see cref="EventCodec"/> payload.</summary>
internal sealed record StoredSnapshot(long SequenceNr, long Created, byte[] Payload);

/// <summary>The one-statement recovery read: the selected snapshot, the journal's highest sequence number (deletions
/// included) and the events after the snapshot — all of them, or null when there were more than the cache takes.</summary>
internal sealed record RecoveryRead(StoredSnapshot? Snapshot, long HighestSequenceNr, List<StoredEvent>? Tail);

/// <summary>Snapshot selection as stored: sequence numbers and UTC ticks, all bounds inclusive.</summary>
internal readonly record struct SnapshotBounds(long MaxSequenceNr, long MaxCreated, long MinSequenceNr, long MinCreated)
{
    public static SnapshotBounds From(SnapshotSelectionCriteria criteria) => new(
        criteria.MaxSequenceNr,
        criteria.MaxTimeStamp.Ticks,
        criteria.MinSequenceNr,
        (criteria.MinTimestamp ?? DateTime.MinValue).Ticks);
}
