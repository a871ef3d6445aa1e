using System.Text.Json;
using Durable.Cluster.Membership;
using Microsoft.AspNetCore.Http;

namespace Durable.Web.Edge;

/// <summary>GET <c>/cluster</c>: <c>{"node", "shards", "unassigned", "rebalancing", "nodes": [{"id", "address",
/// "status", "shards", "entities", "shardIds": {"&lt;namespace&gt;": [shard, ...]}}]}</c> from Akka's membership and
/// sharding state. <c>shards</c> counts the shards placed now over every namespace's region, each node's <c>shards</c>
/// those it holds and <c>entities</c> its running objects; <c>rebalancing</c> counts shards that are moving (a region
/// holds them but they did not answer: handing off their objects, or starting and waiting for their lease);
/// <c>unassigned</c> counts shards this node has seen placed that no region holds now (their node is gone, and nothing
/// has asked for them since). <c>shardIds</c> lists each node's shards by namespace (Akka's
/// <c>HashCodeMessageExtractor</c> places an object by its 64-hex id over <c>Durable:Objects:Shards</c>), so a client can
/// send a request to the node that owns its object. Members Akka has removed are not listed.</summary>
internal static class ClusterStatus
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(1);

    public static async Task WriteAsync(HttpContext context, ClusterView view)
    {
        var snapshot = await view.SnapshotAsync(AskTimeout, context.RequestAborted);
        var body = new
        {
            node = snapshot.Self,
            shards = snapshot.Shards,
            unassigned = snapshot.Unassigned,
            rebalancing = snapshot.Rebalancing,
            nodes = snapshot.Nodes.Select(n => new
            {
                id = n.Id, address = n.Address, status = n.Status, shards = n.Shards, entities = n.Entities, shardIds = n.ShardIds,
            }),
        };
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: context.RequestAborted);
    }
}
