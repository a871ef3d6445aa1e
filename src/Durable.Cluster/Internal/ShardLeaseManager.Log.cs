using Microsoft.Extensions.Logging;

namespace Durable.Cluster.Internal;

internal sealed partial class ShardLeaseManager
{
    private static partial class Log
    {
        [LoggerMessage(ClusterLogEventIds.LeasesAcquired, LogLevel.Information, "Node {NodeId} acquired {Count} shard leases; serving {Serving}")]
        public static partial void Acquired(ILogger logger, NodeId nodeId, int count, int serving);

        [LoggerMessage(ClusterLogEventIds.LeasesLost, LogLevel.Warning, "Node {NodeId} lost {Count} shard leases ({ShardIds}); their objects reset")]
        public static partial void Lost(ILogger logger, NodeId nodeId, int count, string shardIds);

        [LoggerMessage(ClusterLogEventIds.LeasesLapsed, LogLevel.Warning, "Node {NodeId}: {Count} shard leases passed their local deadline without renewal")]
        public static partial void Lapsed(ILogger logger, NodeId nodeId, int count);
    }
}
