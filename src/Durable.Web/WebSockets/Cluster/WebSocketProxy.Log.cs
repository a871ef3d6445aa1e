using Durable.Cluster;
using Durable.Internal;
using Microsoft.Extensions.Logging;

namespace Durable.Web.WebSockets.Cluster;

internal sealed partial class WebSocketProxy
{
    private static partial class Log
    {
        [LoggerMessage(LogEventIds.SocketProxied, LogLevel.Debug, "WebSocket of object {ObjectId} relayed to its owner {NodeId}")]
        public static partial void Proxied(ILogger logger, DurableObjectId objectId, NodeId nodeId);

        [LoggerMessage(LogEventIds.SocketProxyRetrying, LogLevel.Debug, "WebSocket of object {ObjectId}: {NodeId} no longer owns it; retrying at the new owner")]
        public static partial void Retrying(ILogger logger, DurableObjectId objectId, NodeId nodeId);

        [LoggerMessage(LogEventIds.SocketProxyRefused, LogLevel.Debug, "WebSocket of object {ObjectId} refused by its owner {NodeId} with {Status}")]
        public static partial void Refused(ILogger logger, DurableObjectId objectId, NodeId nodeId, int status);

        [LoggerMessage(LogEventIds.SocketProxyLinkDropped, LogLevel.Information, "WebSocket of object {ObjectId}: the link to {NodeId} dropped ({Reason}); client closed with 1012")]
        public static partial void LinkDropped(ILogger logger, DurableObjectId objectId, NodeId nodeId, string reason);
    }
}
