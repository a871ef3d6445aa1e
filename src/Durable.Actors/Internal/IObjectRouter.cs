namespace Durable.Internal;

/// <summary>
/// Sends an event to wherever its object lives (a cluster supplies it): this node's runtime when it serves the
/// object's shard, else the owner over the network. The runtime routes every fetch (edge and stubs) through it;
/// requests that arrived from another node use <see cref="ObjectRuntime.FetchLocalAsync"/> and are never forwarded again.
/// </summary>
internal interface IObjectRouter
{
    Task<HttpResponseMessage> FetchAsync(DurableObjectId id, HttpRequestMessage request, CancellationToken cancellationToken);

    /// <summary>Joined and allocated: the node may report healthy.</summary>
    bool IsReady { get; }
}
