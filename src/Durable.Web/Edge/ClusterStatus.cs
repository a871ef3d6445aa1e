using System.Text.Json;
using Durable.Cluster.Membership;
using Microsoft.AspNetCore.Http;

namespace Durable.Web.Edge;

/// <summary>GET <c>/cluster</c>: <c>{"node", "shards", "unassigned", "nodes": [{"id", "address", "status",
/// "shards"}]}</c> from Akka's membership and sharding state. <c>shards</c> counts the shards allocated now over every
/// namespace's region, each node's <c>shards</c> those it hosts; <c>unassigned</c> counts shards whose region did not
/// answer in time (their node is unreachable or busy). Members Akka has removed are not listed.</summary>
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
            unassigned = snapshot.Unanswered,
            nodes = snapshot.Nodes.Select(n => new { id = n.Id, address = n.Address, status = n.Status, shards = n.Shards }),
        };
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: context.RequestAborted);
    }
}
