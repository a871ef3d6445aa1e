namespace Durable.Storage;

/// <summary>
/// An append was refused by the journal's fence: this node no longer holds the lease of the object's shard at the
/// epoch the append carried (it expired, or moved to another node). Distinct from <see cref="StorageConflictException"/>:
/// nothing of the event was written, and the object must be served by the shard's new owner. The activation resets.
/// </summary>
public sealed class LeaseLostException(ObjectKey key, long seq, string detail)
    : Exception($"Object {key}: event {seq} was not committed because this node does not hold its shard lease ({detail}).")
{
    public ObjectKey Key { get; } = key;

    public long Seq { get; } = seq;
}
