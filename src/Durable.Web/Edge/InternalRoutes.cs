using System.Security.Cryptography;
using System.Text;
using Durable.Cluster.Internal;
using Microsoft.AspNetCore.Http;

namespace Durable.Web.Edge;

/// <summary>The gate of the node-to-node routes under <see cref="ObjectEdge.InternalPrefix"/>: only a request carrying
/// the cluster secret in <see cref="ClusterRouter.SecretHeader"/> passes (compared in constant time); with no secret
/// (not a cluster, or not started) nothing does.</summary>
internal static class InternalRoutes
{
    public const string ForbiddenMessage = "Node-to-node routes need the cluster secret.";

    public static bool IsAuthorized(HttpContext context, string? secret)
    {
        var given = context.Request.Headers[ClusterRouter.SecretHeader].ToString();
        return secret is { Length: > 0 } && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(secret));
    }
}
