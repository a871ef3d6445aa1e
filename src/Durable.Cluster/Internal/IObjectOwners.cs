namespace Durable.Cluster.Internal;

/// <summary>
/// Where an object lives, for the edge's socket proxies: the same answer <see cref="ClusterRouter"/> forwards fetches
/// by (this node's lease first, then the cached shard map), so sockets and requests agree on the owner.
/// </summary>
internal interface IObjectOwners
{
    /// <summary>The cluster secret node-to-node requests carry in <see cref="ClusterRouter.SecretHeader"/>.</summary>
    string Secret { get; }

    /// <summary>Null when this node serves the object (or should, and will refuse it itself); else its owner. Waits for
    /// a live owner at most a lease and a heartbeat, then throws a retryable <see cref="ShardMovedException"/>.</summary>
    Task<ObjectOwner?> FindOwnerAsync(DurableObjectId id, CancellationToken cancellationToken);

    /// <summary>Reads the shard map again (an owner refused or could not be reached); returns once it changed or after
    /// two heartbeats.</summary>
    Task RefreshAsync(CancellationToken cancellationToken);
}

/// <summary>The node that owns an object's shard, and its advertised URL.</summary>
internal readonly record struct ObjectOwner(NodeId Node, string Url);
