using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Durable.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Durable.Storage.Journal;

/// <summary>
/// The database-independent half of the journal providers. What it promises, on top of the storage contract:
/// <list type="bullet">
/// <item>Group commit: every append goes to one writer loop, which commits all appends that are ready (up to
/// <see cref="JournalStorageOptions.MaxGroupSize"/>, waiting at most <see cref="JournalStorageOptions.GroupCommitDelay"/>
/// for more) in one transaction, so many objects share one fsync. Each append completes only after that commit.</item>
/// <item>Conflicts are per event: an insert that finds its (object, seq) taken — or covered by a snapshot — fails alone
/// with <see cref="StorageConflictException"/>; the rest of its group commits. A failed transaction fails every append
/// of the group with the database's error (outcome unknown; the runtime resets those objects).</item>
/// <item>Snapshots are written in the background after <see cref="JournalStorageOptions.SnapshotEveryEvents"/> events or
/// <see cref="JournalStorageOptions.SnapshotEveryBytes"/> bytes, from a fold read back from the database (never from
/// the runtime's cache, which may hold uncommitted writes). Writing one also compacts the object's history older than
/// <see cref="JournalStorageOptions.HistoryRetention"/> into the newest snapshot older than the window.</item>
/// <item>Recovery is the newest snapshot plus the tail; an unreadable row stops it with <see cref="JournalCorruptException"/>.</item>
/// </list>
/// </summary>
public abstract partial class JournalStorageProvider : IDurableStorageProvider
{
    private readonly JournalStorageOptions _options;
    private readonly JournalMetrics? _metrics;
    private readonly Channel<PendingAppend> _appends = Channel.CreateUnbounded<PendingAppend>(new() { SingleReader = true });
    private readonly Channel<ObjectKey> _snapshotRequests = Channel.CreateUnbounded<ObjectKey>(new() { SingleReader = true });
    private readonly ConcurrentDictionary<ObjectKey, SnapshotTracker> _trackers = new();
    private Task? _writer;
    private Task? _snapshotter;
    private int _disposed;

    private protected JournalStorageProvider(
        JournalStorageOptions options, TimeProvider? time, ILogger? logger, IJournalFence? fence = null, IMeterFactory? meters = null)
    {
        _options = options;
        _metrics = meters is null ? null : new JournalMetrics(meters);
        Fence = fence;
        Time = time ?? TimeProvider.System;
        Logger = logger ?? NullLogger.Instance;
    }

    private protected TimeProvider Time { get; }

    private protected ILogger Logger { get; }

    /// <summary>The cluster's fence, or null on a single node (then appends are checked by sequence number only).</summary>
    private protected IJournalFence? Fence { get; }

    private readonly Lock _snapshotLock = new();
    private int _snapshotting;
    private TaskCompletionSource? _snapshotsIdle;

    /// <summary>Completes when no snapshot is queued or being written (for tests and benchmarks).</summary>
    internal Task WhenSnapshotsIdleAsync()
    {
        lock (_snapshotLock)
            return _snapshotting == 0
                ? Task.CompletedTask
                : (_snapshotsIdle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
    }

    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        await OpenStoreAsync(cancellationToken);
        _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
        _snapshotter = Task.Run(SnapshotLoopAsync, CancellationToken.None);
    }

    public Task AppendAsync(ObjectKey key, JournalEvent journalEvent, CancellationToken cancellationToken)
    {
        if (_writer is null) throw new InvalidOperationException($"{GetType().Name} was not opened.");
        JournalFenceToken? fence;
        try
        {
            fence = Fence?.Acquire(key);
        }
        catch (LeaseLostException error)
        {
            return Task.FromException(error);
        }
        var pending = new PendingAppend(key, journalEvent.Seq, TimeCodec.ToMicros(journalEvent.Time), JournalCodec.EncodeEvent(journalEvent.Batch), journalEvent.Batch)
        {
            Fence = fence,
        };
        if (!_appends.Writer.TryWrite(pending))
            throw new ObjectDisposedException(GetType().Name, $"Object {key}: the storage provider is closed; event {journalEvent.Seq} was not written.");
        return pending.Task;
    }

    public async Task<ObjectData> LoadAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var (data, tailEvents, tailBytes) = await FoldAsync(key, long.MaxValue, pointInTime: false, cancellationToken);
        var tracker = _trackers.GetOrAdd(key, static _ => new SnapshotTracker());
        lock (tracker)
        {
            tracker.Events = tailEvents;
            tracker.Bytes = tailBytes;
        }
        return data;
    }

    /// <summary>Forgets the object's snapshot counts; its next load counts its tail again. A snapshot already queued
    /// for it is still written; an append still in flight when a reset releases the object counts into a fresh entry,
    /// which the next load overwrites.</summary>
    public void Release(ObjectKey key) => _trackers.TryRemove(key, out _);

    /// <summary>Objects whose snapshot counts are kept (for tests).</summary>
    internal int TrackedObjects => _trackers.Count;

    public async Task<ObjectData> LoadAsync(ObjectKey key, long seq, CancellationToken cancellationToken)
    {
        if (seq < 0) throw new PointInTimeUnavailableException($"Object {key}: seq {seq} is not a position.");
        var (data, _, _) = await FoldAsync(key, seq, pointInTime: true, cancellationToken);
        if (data.Seq == seq) return data;
        var newest = await FindPositionCoreAsync(key, long.MaxValue, cancellationToken);
        throw new PointInTimeUnavailableException(newest is { } row && row.Seq >= seq
            ? $"Object {key}: the history at seq {seq} was compacted (it is older than the retention window of {_options.HistoryRetention.TotalDays:0.###} days)."
            : $"Object {key}: seq {seq} was never committed (the newest is {newest?.Seq ?? 0}).");
    }

    public async Task<JournalPosition> FindPositionAsync(ObjectKey key, DateTimeOffset? time, CancellationToken cancellationToken)
    {
        if (time is { } t && t < Time.GetUtcNow() - _options.HistoryRetention)
            throw new PointInTimeUnavailableException(
                $"Object {key}: {t:O} is older than the history retention window ({_options.HistoryRetention.TotalDays:0.###} days).");
        var found = await FindPositionCoreAsync(key, time is { } limit ? TimeCodec.ToMicros(limit) : long.MaxValue, cancellationToken);
        return found is { } row ? new JournalPosition(row.Seq, TimeCodec.FromMicros(row.Time)) : JournalPosition.Start;
    }

    public async Task<IReadOnlyList<ScheduledAlarm>> LoadAlarmsAsync(CancellationToken cancellationToken)
    {
        var rows = await ReadAlarmsAsync(cancellationToken);
        return rows.Select(r => new ScheduledAlarm(ParseKey(r.Key), TimeCodec.FromMicros(r.Due))).ToList();
    }

    private static ObjectKey ParseKey(string text)
    {
        var slash = text.IndexOf('/');
        if (slash <= 0) throw new InvalidDataException($"The alarm index holds a malformed object key '{text}'.");
        return new ObjectKey(text[..slash], text[(slash + 1)..]);
    }

    /// <summary>Every row of the alarm index: the object key as stored and the due time in µs.</summary>
    private protected abstract Task<List<(string Key, long Due)>> ReadAlarmsAsync(CancellationToken cancellationToken);

    public abstract Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _appends.Writer.TryComplete();
        if (_writer is not null) await _writer;
        _snapshotRequests.Writer.TryComplete();
        if (_snapshotter is not null) await _snapshotter;
        await DisposeStoreAsync();
        GC.SuppressFinalize(this);
    }

    // ---- what each database supplies ----

    /// <summary>Opens the database and creates or migrates the schema.</summary>
    private protected abstract Task OpenStoreAsync(CancellationToken cancellationToken);

    /// <summary>Inserts the group in one transaction, setting each append's <see cref="PendingAppend.Inserted"/>;
    /// throws when the transaction failed (then nothing of it is known to be stored).</summary>
    private protected abstract Task CommitGroupAsync(IReadOnlyList<PendingAppend> group, CancellationToken cancellationToken);

    /// <summary>The newest snapshot at or before <paramref name="maxSeq"/> and the events after it up to
    /// <paramref name="maxSeq"/>, in seq order: <see cref="TailQuery"/> run once and read by <see cref="ReadTailAsync(System.Data.Common.DbDataReader, CancellationToken)"/>.</summary>
    private protected abstract Task<(JournalRow? Snapshot, List<JournalRow> Events)> ReadTailAsync(
        ObjectKey key, long maxSeq, CancellationToken cancellationToken);

    /// <summary>
    /// The recovery read, one statement with the key and the highest seq as its two parameters (named by the provider):
    /// the newest snapshot at or before that seq (first column 1) and the events after it (first column 0), in seq
    /// order. One statement sees one state of the database, so a snapshot written and compacted between two reads cannot
    /// leave a gap; and an activation costs one round trip (and on SQLite one pooled connection) instead of two.
    /// </summary>
    private protected static string TailQuery(string key, string maxSeq) => $"""
        SELECT 1, seq, time, payload FROM (
          SELECT seq, time, payload FROM snapshots WHERE object_key = {key} AND seq <= {maxSeq} ORDER BY seq DESC LIMIT 1) AS s
        UNION ALL
        SELECT 0, seq, time, payload FROM journal
        WHERE object_key = {key} AND seq <= {maxSeq}
          AND seq > coalesce((SELECT max(seq) FROM snapshots WHERE object_key = {key} AND seq <= {maxSeq}), 0)
        ORDER BY 1 DESC, 2
        """;

    /// <summary>Reads the rows of <see cref="TailQuery"/>.</summary>
    private protected static async Task<(JournalRow? Snapshot, List<JournalRow> Events)> ReadTailAsync(
        System.Data.Common.DbDataReader reader, CancellationToken cancellationToken)
    {
        JournalRow? snapshot = null;
        var events = new List<JournalRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new JournalRow(reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<byte[]>(3));
            if (reader.GetInt32(0) == 1) snapshot = row;
            else events.Add(row);
        }
        return (snapshot, events);
    }

    /// <summary>The newest event or snapshot committed at or before <paramref name="maxTime"/> (µs).</summary>
    private protected abstract Task<JournalRow?> FindPositionCoreAsync(ObjectKey key, long maxTime, CancellationToken cancellationToken);

    /// <summary>Stores a snapshot (ignored if one exists at that seq), then drops events and snapshots older than the
    /// newest snapshot committed before <paramref name="horizon"/> (µs). Returns the number of events dropped.</summary>
    private protected abstract Task<int> SaveSnapshotAsync(ObjectKey key, JournalRow snapshot, long horizon, CancellationToken cancellationToken);

    private protected abstract ValueTask DisposeStoreAsync();

    // ---- recovery ----

    private async Task<(ObjectData Data, long TailEvents, long TailBytes)> FoldAsync(
        ObjectKey key, long maxSeq, bool pointInTime, CancellationToken cancellationToken)
    {
        var data = new ObjectData(key);
        var (snapshot, events) = await ReadTailAsync(key, maxSeq, cancellationToken);
        if (snapshot is { } stored)
            JournalCodec.DecodeSnapshot(data, stored.Seq, TimeCodec.FromMicros(stored.Time), stored.Payload);
        long bytes = 0;
        foreach (var row in events)
        {
            if (row.Seq != data.Seq + 1)
            {
                if (pointInTime && data.Seq == 0)
                    throw new PointInTimeUnavailableException(
                        $"Object {key}: the history before seq {row.Seq} was compacted (it is older than the retention window).");
                throw new JournalCorruptException(key, row.Seq, "journal event", $"it follows event {data.Seq}; the events between are missing");
            }
            data.Apply(new JournalEvent(row.Seq, TimeCodec.FromMicros(row.Time), JournalCodec.DecodeEvent(key, row.Seq, row.Payload)));
            bytes += row.Payload.Length;
        }
        return (data, events.Count, bytes);
    }

    // ---- the writer ----

    private async Task WriteLoopAsync()
    {
        var reader = _appends.Reader;
        var group = new List<PendingAppend>(_options.MaxGroupSize);
        while (await reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < _options.MaxGroupSize && reader.TryRead(out var next)) group.Add(next);
            if (group.Count < _options.MaxGroupSize && _options.GroupCommitDelay > TimeSpan.Zero)
            {
                await Task.Delay(_options.GroupCommitDelay, Time);
                while (group.Count < _options.MaxGroupSize && reader.TryRead(out var next)) group.Add(next);
            }
            try
            {
                var started = Stopwatch.GetTimestamp();
                await CommitGroupAsync(group, CancellationToken.None);
                _metrics?.Committed(group.Count, Stopwatch.GetElapsedTime(started));
            }
            catch (Exception error)
            {
                Log.GroupCommitFailed(Logger, group.Count, error);
                foreach (var pending in group) pending.Fail(error);
                continue;
            }
            foreach (var pending in group)
            {
                if (!pending.Inserted)
                {
                    pending.Fail(pending.Fenced
                        ? new LeaseLostException(pending.Key, pending.Seq, $"{pending.Fence} is not valid in the database")
                        : new StorageConflictException(pending.Key, pending.Seq));
                    continue;
                }
                Track(pending);
                pending.Complete();
            }
        }
    }

    private void Track(PendingAppend pending)
    {
        var tracker = _trackers.GetOrAdd(pending.Key, static _ => new SnapshotTracker());
        lock (tracker)
        {
            tracker.Events++;
            tracker.Bytes += pending.Payload.Length;
            if (tracker.Queued || (tracker.Events < _options.SnapshotEveryEvents && tracker.Bytes < _options.SnapshotEveryBytes)) return;
            tracker.Queued = true;
            tracker.Events = 0;
            tracker.Bytes = 0;
        }
        lock (_snapshotLock) _snapshotting++;
        _snapshotRequests.Writer.TryWrite(pending.Key);
    }

    // ---- snapshots ----

    private async Task SnapshotLoopAsync()
    {
        await foreach (var key in _snapshotRequests.Reader.ReadAllAsync())
        {
            try
            {
                if (_trackers.TryGetValue(key, out var tracker)) lock (tracker) tracker.Queued = false;
                await SnapshotAsync(key, CancellationToken.None);
            }
            catch (Exception error)
            {
                Log.SnapshotFailed(Logger, key.ToString(), error);
            }
            finally
            {
                lock (_snapshotLock)
                    if (--_snapshotting == 0)
                    {
                        _snapshotsIdle?.TrySetResult();
                        _snapshotsIdle = null;
                    }
            }
        }
    }

    /// <summary>Writes a snapshot of the object's newest committed state now and compacts its old history.</summary>
    internal async Task SnapshotAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var (data, tail, _) = await FoldAsync(key, long.MaxValue, pointInTime: false, cancellationToken);
        if (data.Seq == 0) return;
        var horizon = TimeCodec.ToMicros(Time.GetUtcNow() - _options.HistoryRetention);
        var row = new JournalRow(data.Seq, TimeCodec.ToMicros(data.Time), JournalCodec.EncodeSnapshot(data));
        var dropped = await SaveSnapshotAsync(key, row, horizon, cancellationToken);
        Log.SnapshotWritten(Logger, key.ToString(), data.Seq, data.Entries.Count, row.Payload.Length, tail);
        if (dropped > 0) Log.HistoryCompacted(Logger, key.ToString(), dropped);
    }

    private sealed class SnapshotTracker
    {
        public long Events;
        public long Bytes;
        public bool Queued;
    }
}
