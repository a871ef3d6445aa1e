using System.Text.Json;
using Durable.Cluster.Internal;
using Microsoft.AspNetCore.Http;

namespace Durable.Web.Edge;

/// <summary>GET <c>/cluster</c>: <c>{"node", "shards", "unassigned", "rebalancing", "balanced", "nodes": [{"id", "url",
/// "lastHeartbeat", "status": "up"|"down", "shards"}]}</c> from this node's newest shard map.</summary>
internal static class ClusterStatus
{
    public static async Task WriteAsync(HttpContext context, ClusterNode node)
    {
        var map = node.Map;
        var body = new
        {
            node = node.Node.Value,
            shards = node.Leases.Shards,
            unassigned = map.Unassigned,
            rebalancing = map.Rebalancing,
            balanced = map.Balanced,
            nodes = map.Nodes.Select(n => new
            {
                id = n.Id.Value,
                url = n.Url,
                lastHeartbeat = n.LastHeartbeat.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                status = n.Up ? "up" : "down",
                shards = map.ShardsOf(n.Id),
            }),
        };
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: context.RequestAborted);
    }
}
