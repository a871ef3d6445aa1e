using Durable.Storage;

namespace Durable.Objects;

/// <summary>
/// One committed turn (or several merged) of an object: the journal event an <see cref="ObjectActor"/> persists. The
/// object's state is the fold of these events in order (<see cref="ObjectData"/>).
/// </summary>
internal sealed record BatchCommitted(DateTimeOffset At, WriteBatch Batch);

/// <summary>
/// The whole state of an object after some event, already encoded (snapshots are serialized later, on the snapshot
/// store's thread, while the object keeps changing its in-memory state).
/// </summary>
internal sealed class ObjectSnapshot(DateTimeOffset at, byte[] state)
{
    public DateTimeOffset At { get; } = at;

    /// <summary>The state in the snapshot format of <c>JournalCodec</c>.</summary>
    public byte[] State { get; } = state;

    public static ObjectSnapshot Of(ObjectData data) => new(data.Time, Storage.Journal.JournalCodec.EncodeSnapshot(data));

    /// <summary>Starts <paramref name="data"/> (an empty fold) from this snapshot, taken after event <paramref name="seq"/>.</summary>
    public void RestoreInto(ObjectData data, long seq) => Storage.Journal.JournalCodec.DecodeSnapshot(data, seq, At, State);
}
