namespace Durable.Cluster.Internal;

/// <summary>A lease this node holds, as its heartbeat just renewed it.</summary>
internal readonly record struct RenewedLease(ShardId Shard, long Epoch, NodeId? HandoffTo);
