using Durable.Internal;
using Microsoft.Extensions.Logging;

namespace Durable.Web.WebSockets;

internal sealed partial class WebSocketEdge
{
    private static partial class Log
    {
        [LoggerMessage(LogEventIds.SocketAccepted, LogLevel.Debug, "Object {ObjectId} accepted a WebSocket")]
        public static partial void Accepted(ILogger logger, DurableObjectId objectId);

        [LoggerMessage(LogEventIds.SocketRefused, LogLevel.Warning, "WebSocket closed with 1008: {Reason}")]
        public static partial void Refused(ILogger logger, string reason);

        [LoggerMessage(LogEventIds.SocketClosed, LogLevel.Debug, "WebSocket of object {ObjectId} closed with {Code}")]
        public static partial void Closed(ILogger logger, DurableObjectId objectId, int code);

        [LoggerMessage(LogEventIds.SocketEventFailed, LogLevel.Debug, "Object {ObjectId}: {Event} failed: {Reason}")]
        public static partial void EventFailed(ILogger logger, DurableObjectId objectId, string @event, string reason);

        [LoggerMessage(LogEventIds.SocketMessageTooBig, LogLevel.Debug, "WebSocket of object {ObjectId} closed with 1009: a message passed {Limit} bytes")]
        public static partial void MessageTooBig(ILogger logger, DurableObjectId objectId, long limit);

        [LoggerMessage(LogEventIds.SocketOverloaded, LogLevel.Warning, "WebSocket of object {ObjectId} closed with 1013: {Reason}")]
        public static partial void Overloaded(ILogger logger, DurableObjectId objectId, string reason);

        [LoggerMessage(LogEventIds.SocketsGoingAway, LogLevel.Information, "The node is shutting down: {Count} WebSockets told to go away (1001)")]
        public static partial void GoingAway(ILogger logger, int count);

        [LoggerMessage(LogEventIds.SocketMoved, LogLevel.Information, "WebSocket of object {ObjectId} closed with 1012: {Reason}")]
        public static partial void Moved(ILogger logger, DurableObjectId objectId, string reason);
    }
}
