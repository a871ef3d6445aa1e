namespace Durable.Storage;

/// <summary>
/// Fencing for journals shared by a cluster. A provider given a fence asks it, for every append, for the token under
/// which the append may commit, and commits the event only if the token is still valid in the same database
/// transaction (for PostgreSQL: this node holds the object's shard lease at that epoch and it has not expired by the
/// database's clock). A node that lost its lease therefore commits nothing, whatever its own clock says.
/// <para><see cref="Acquire"/> throws <see cref="LeaseLostException"/> when this node does not serve the object's shard
/// now; the append then fails with it without touching the database.</para>
/// </summary>
public interface IJournalFence
{
    JournalFenceToken Acquire(ObjectKey key);
}
