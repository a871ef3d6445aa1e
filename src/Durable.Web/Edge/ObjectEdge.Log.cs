using Durable.Internal;
using Microsoft.Extensions.Logging;

namespace Durable.Web.Edge;

internal sealed partial class ObjectEdge
{
    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.EdgeObjectAnswered, Message = "Object {ObjectId} in {Namespace}: {Method} {Path} answered {Status} {Code}: {Reason}")]
        public static partial void ObjectAnswered(
            ILogger logger, LogLevel level, DurableObjectId objectId, string @namespace, string method, string path,
            int status, string code, string reason, Exception? error);

        [LoggerMessage(EventId = LogEventIds.EdgeRequestRejected, Message = "{Method} {Path} answered {Status} {Code}: {Reason}")]
        public static partial void RequestRejected(
            ILogger logger, LogLevel level, string method, string path, int status, string code, string reason, Exception? error);

        [LoggerMessage(LogEventIds.EdgeClientWentAway, LogLevel.Debug, "Object {ObjectId}: the client of a {Method} request went away ({Error})")]
        public static partial void ClientWentAway(ILogger logger, string objectId, string method, string error);
    }
}
