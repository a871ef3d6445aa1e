using Microsoft.Extensions.Logging;

namespace Durable.Cluster.Internal;

internal sealed partial class ClusterNode
{
    private static partial class Log
    {
        [LoggerMessage(ClusterLogEventIds.Joined, LogLevel.Information, "Node {NodeId} joined the cluster at {Url} ({Shards} shards)")]
        public static partial void Joined(ILogger logger, NodeId nodeId, string url, int shards);

        [LoggerMessage(ClusterLogEventIds.Left, LogLevel.Information, "Node {NodeId} left the cluster, releasing {Count} shard leases")]
        public static partial void Left(ILogger logger, NodeId nodeId, int count);

        [LoggerMessage(ClusterLogEventIds.HeartbeatFailed, LogLevel.Warning, "Node {NodeId}: heartbeat failed: {Reason}")]
        public static partial void HeartbeatFailed(ILogger logger, NodeId nodeId, string reason);

        [LoggerMessage(ClusterLogEventIds.ListenFailed, LogLevel.Warning, "Node {NodeId}: listening for cluster changes failed; retrying")]
        public static partial void ListenFailed(ILogger logger, NodeId nodeId, Exception error);

        [LoggerMessage(ClusterLogEventIds.Allocated, LogLevel.Information, "Node {NodeId} ran allocation: {Grants} shards granted, {Handoffs} handoffs started, {Cancelled} cancelled")]
        public static partial void Allocated(ILogger logger, NodeId nodeId, int grants, int handoffs, int cancelled);

        [LoggerMessage(ClusterLogEventIds.HandoffStarted, LogLevel.Debug, "Node {NodeId}: handing shard {ShardId} off to {TargetId}")]
        public static partial void HandoffStarted(ILogger logger, NodeId nodeId, ShardId shardId, NodeId? targetId);

        [LoggerMessage(ClusterLogEventIds.HandoffFinished, LogLevel.Debug, "Node {NodeId}: shard {ShardId} handed off to {TargetId} (transferred {Transferred}, {Reset} objects reset) in {ElapsedMs} ms")]
        public static partial void HandoffFinished(ILogger logger, NodeId nodeId, ShardId shardId, NodeId? targetId, bool transferred, int reset, double elapsedMs);

        [LoggerMessage(ClusterLogEventIds.HandoffFailed, LogLevel.Warning, "Node {NodeId}: handoff of shard {ShardId} failed")]
        public static partial void HandoffFailed(ILogger logger, NodeId nodeId, ShardId shardId, Exception error);
    }
}
