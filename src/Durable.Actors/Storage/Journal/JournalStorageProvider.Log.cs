using Durable.Internal;
using Microsoft.Extensions.Logging;

namespace Durable.Storage.Journal;

public abstract partial class JournalStorageProvider
{
    private protected static partial class Log
    {
        [LoggerMessage(LogEventIds.StorageOpened, LogLevel.Information, "Journal storage opened: {Provider} at {Location}, schema version {SchemaVersion}")]
        public static partial void Opened(ILogger logger, string provider, string location, int schemaVersion);

        [LoggerMessage(LogEventIds.StorageMigrated, LogLevel.Information, "Journal storage schema migrated to version {SchemaVersion}: {Migration}")]
        public static partial void Migrated(ILogger logger, int schemaVersion, string migration);

        [LoggerMessage(LogEventIds.SnapshotWritten, LogLevel.Debug, "Snapshot of {ObjectKey} at seq {Seq}: {Keys} keys, {Bytes} bytes, replacing a tail of {TailEvents} events")]
        public static partial void SnapshotWritten(ILogger logger, string objectKey, long seq, int keys, int bytes, long tailEvents);

        [LoggerMessage(LogEventIds.SnapshotFailed, LogLevel.Warning, "Snapshot of {ObjectKey} failed; recovery replays a longer tail until the next one")]
        public static partial void SnapshotFailed(ILogger logger, string objectKey, Exception error);

        [LoggerMessage(LogEventIds.GroupCommitFailed, LogLevel.Warning, "A group commit of {Events} events failed; their objects reset and recover from storage")]
        public static partial void GroupCommitFailed(ILogger logger, int events, Exception error);

        [LoggerMessage(LogEventIds.HistoryCompacted, LogLevel.Debug, "History of {ObjectKey} older than the retention window compacted: {Events} events dropped")]
        public static partial void HistoryCompacted(ILogger logger, string objectKey, int events);
    }
}
