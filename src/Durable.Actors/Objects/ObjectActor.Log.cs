using Durable.Internal;
using Microsoft.Extensions.Logging;

namespace Durable.Objects;

internal sealed partial class ObjectActor
{
    private static partial class ObjectLog
    {
        [LoggerMessage(LogEventIds.Activated, LogLevel.Debug, "Object {ObjectId} activated at journal seq {Seq}")]
        public static partial void Activated(ILogger logger, DurableObjectId objectId, long seq);

        [LoggerMessage(LogEventIds.ObjectStopped, LogLevel.Debug, "Object {ObjectId} stopped")]
        public static partial void Stopped(ILogger logger, DurableObjectId objectId);

        [LoggerMessage(LogEventIds.Reset, LogLevel.Warning, "Object {ObjectId} reset: {Reason}")]
        public static partial void Reset(ILogger logger, DurableObjectId objectId, string reason);

        [LoggerMessage(LogEventIds.InstantiationFailed, LogLevel.Error, "Object {ObjectId} could not be constructed")]
        public static partial void InstantiationFailed(ILogger logger, DurableObjectId objectId, Exception error);

        [LoggerMessage(LogEventIds.Crashed, LogLevel.Error, "Object {ObjectId} threw an unhandled exception outside any event")]
        public static partial void Crashed(ILogger logger, DurableObjectId objectId, Exception error);

        [LoggerMessage(LogEventIds.WaitUntilFailed, LogLevel.Warning, "Object {ObjectId}: a task given to WaitUntil failed")]
        public static partial void WaitUntilFailed(ILogger logger, DurableObjectId objectId, Exception error);

        [LoggerMessage(LogEventIds.SocketsGathered, LogLevel.Warning, "Object {ObjectId} started with {Count} sockets and subscribers from other nodes; {Missing} did not answer within the bound and theirs reach it with their next message")]
        public static partial void SocketsIncomplete(ILogger logger, DurableObjectId objectId, int count, string missing);

        [LoggerMessage(LogEventIds.ObjectSnapshotFailed, LogLevel.Warning, "Object {ObjectId}: saving its snapshot at seq {Seq} failed; recovery reads more events until the next one")]
        public static partial void SnapshotFailed(ILogger logger, DurableObjectId objectId, long seq, Exception error);
    }
}
