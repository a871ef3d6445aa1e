namespace Durable.Persistence;

/// <summary>
/// A write found its (persistence id, sequence number) already stored — or covered by a deletion — so another writer of
/// the same persistence id got there first. Nothing of the AtomicWrite holding it was stored; the persistent actor sees
/// a failed persist and stops.
/// </summary>
public sealed class SequenceConflictException(string persistenceId, long sequenceNr)
    : Exception($"Persistence id {persistenceId}: sequence number {sequenceNr} is already stored by another writer; nothing of this atomic write was stored.")
{
    public string PersistenceId { get; } = persistenceId;

    public long SequenceNr { get; } = sequenceNr;
}
