namespace Durable;

/// <summary>
/// In a cluster: this node does not serve the object's shard now (it belongs to another node, is being handed off, or
/// this node's lease lapsed). Nothing of the event ran. Retry: the edge forwards to the owner it finds.
/// </summary>
public sealed class ShardMovedException(string message, DurableObjectId? objectId = null, int shard = -1)
    : DurableObjectException("shard_moved", message, null, objectId, isRetryable: true)
{
    /// <summary>The object's shard, or -1 when unknown.</summary>
    public int Shard { get; } = shard;
}
