namespace Durable.Persistence;

/// <summary>One unit of work for the engine's writer loop; it completes when the transaction holding it has committed
/// (or faults with the transaction's error, outcome unknown).</summary>
internal abstract class WriterOp() : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
{
    /// <summary>The persistence id whose recovery cache entry the op makes stale, or null for several (see overrides).</summary>
    public abstract string PersistenceId { get; }

    /// <summary>Events the op writes (to size groups).</summary>
    public virtual int Events => 0;

    /// <summary>Completes the op after the commit holding it is durable.</summary>
    public virtual void Complete() => TrySetResult();
}

/// <summary>The AtomicWrites of one WriteMessagesAsync call: one persistence id, each write all-or-nothing.</summary>
internal sealed class WriteEvents(string persistenceId, AtomicRows[] writes, int events) : WriterOp
{
    public override string PersistenceId { get; } = persistenceId;

    public override int Events { get; } = events;

    public AtomicRows[] Writes { get; } = writes;

    /// <summary>Fails the call when any of its AtomicWrites lost a place (none of that write is stored).</summary>
    public override void Complete()
    {
        if (Array.Find(Writes, static w => w.Conflict) is { } conflict)
            TrySetException(new SequenceConflictException(PersistenceId, conflict.Rows[0].SequenceNr));
        else TrySetResult();
    }
}

/// <summary>One AtomicWrite's rows; <see cref="Conflict"/> is set by the commit when any row's place was taken, and then
/// none of its rows is stored.</summary>
internal sealed class AtomicRows(StoredEvent[] rows)
{
    public StoredEvent[] Rows { get; } = rows;

    public bool Conflict { get; set; }

    /// <summary>Rows of this write the insert reported inserted (the commit's own bookkeeping).</summary>
    public int Inserted { get; set; }
}

internal sealed class DeleteEvents(string persistenceId, long toSequenceNr) : WriterOp
{
    public override string PersistenceId { get; } = persistenceId;

    public long ToSequenceNr { get; } = toSequenceNr;
}

internal sealed class SaveSnapshot(string persistenceId, StoredSnapshot snapshot) : WriterOp
{
    public override string PersistenceId { get; } = persistenceId;

    public StoredSnapshot Snapshot { get; } = snapshot;
}

/// <summary>Deletes the snapshot at a sequence number (and creation time, when given).</summary>
internal sealed class DeleteSnapshot(string persistenceId, long sequenceNr, long? created) : WriterOp
{
    public override string PersistenceId { get; } = persistenceId;

    public long SequenceNr { get; } = sequenceNr;

    public long? Created { get; } = created;
}

internal sealed class DeleteSnapshots(string persistenceId, SnapshotBounds bounds) : WriterOp
{
    public override string PersistenceId { get; } = persistenceId;

    public SnapshotBounds Bounds { get; } = bounds;
}
