using Durable.Internal;
using Microsoft.Extensions.Logging;

namespace Durable.Web.WebSockets.Phoenix;

internal sealed partial class PhoenixConnection
{
    private static partial class Log
    {
        [LoggerMessage(LogEventIds.PhoenixMalformedFrame, LogLevel.Debug, "Phoenix socket closed: {What}")]
        public static partial void MalformedFrame(ILogger logger, string what);

        [LoggerMessage(LogEventIds.PhoenixHeartbeatTimeout, LogLevel.Debug, "Phoenix socket closed with 1001: no heartbeat for {Seconds} s")]
        public static partial void HeartbeatTimeout(ILogger logger, double seconds);

        [LoggerMessage(LogEventIds.PhoenixChannelFailed, LogLevel.Debug, "Object {ObjectId}: {Event} failed: {Reason}")]
        public static partial void ChannelFailed(ILogger logger, DurableObjectId objectId, string @event, string reason);
    }
}
