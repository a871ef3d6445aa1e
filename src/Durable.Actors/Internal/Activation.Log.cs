using Microsoft.Extensions.Logging;

namespace Durable.Internal;

internal sealed partial class Activation
{
    private static partial class Log
    {
        [LoggerMessage(LogEventIds.Activated, LogLevel.Debug, "Object {ObjectId} activated at journal seq {Seq}")]
        public static partial void Activated(ILogger logger, DurableObjectId objectId, long seq);

        [LoggerMessage(LogEventIds.Passivated, LogLevel.Debug, "Object {ObjectId} passivated")]
        public static partial void Passivated(ILogger logger, DurableObjectId objectId);

        [LoggerMessage(LogEventIds.Reset, LogLevel.Warning, "Object {ObjectId} reset: {Reason}")]
        public static partial void Reset(ILogger logger, DurableObjectId objectId, string reason);

        [LoggerMessage(LogEventIds.LoadFailed, LogLevel.Error, "Object {ObjectId} could not load its state")]
        public static partial void LoadFailed(ILogger logger, DurableObjectId objectId, Exception error);

        [LoggerMessage(LogEventIds.InstantiationFailed, LogLevel.Error, "Object {ObjectId} could not be constructed")]
        public static partial void InstantiationFailed(ILogger logger, DurableObjectId objectId, Exception error);

        [LoggerMessage(LogEventIds.Crashed, LogLevel.Error, "Object {ObjectId} threw an unhandled exception outside any event")]
        public static partial void Crashed(ILogger logger, DurableObjectId objectId, Exception error);

        [LoggerMessage(LogEventIds.DeadlineExceeded, LogLevel.Warning, "Object {ObjectId}: {Event} exceeded its deadline")]
        public static partial void DeadlineExceeded(ILogger logger, DurableObjectId objectId, string @event);

        [LoggerMessage(LogEventIds.WaitUntilFailed, LogLevel.Warning, "Object {ObjectId}: a task given to WaitUntil failed")]
        public static partial void WaitUntilFailed(ILogger logger, DurableObjectId objectId, Exception error);
    }
}
