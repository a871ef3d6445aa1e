using System.Diagnostics;
using System.Threading.Channels;

namespace Durable.Persistence;

/// <summary>
/// One database's storage engine, shared by the journal and the snapshot store that name it. What it promises:
/// <list type="bullet">
/// <item>Group commit: every change (the AtomicWrites of any number of concurrent WriteMessagesAsync calls, deletions,
/// snapshot saves and deletions) goes to one writer loop, which commits all that is queued — up to
/// <see cref="EngineSettings.MaxGroupEvents"/> events — in one transaction, one fsync, in queue order. A change completes
/// only after that commit; a failed transaction faults every change in it (outcome unknown).</item>
/// <item>Each AtomicWrite is atomic and fails alone: if any of its (persistence id, sequence number) places is taken, or
/// covered by a deletion, none of its rows is stored and its WriteMessagesAsync call faults with
/// <see cref="SequenceConflictException"/>; the rest of the group commits.</item>
/// <item>Deleting events keeps the highest sequence number: it is recorded before the rows go.</item>
/// <item>Recovery in one round trip: the snapshot load reads the snapshot, the highest sequence number and the events
/// after the snapshot in one statement and keeps them (bounded) for the journal's replay that follows; see
/// <see cref="RecoveryCache"/> for why a kept read is never staler than a fresh one would be.</item>
/// </list>
/// </summary>
internal abstract partial class PersistenceEngine : IAsyncDisposable
{
    private readonly Channel<WriterOp> _ops = Channel.CreateUnbounded<WriterOp>(new() { SingleReader = true });
    private readonly Lazy<Task> _opened;
    private Task? _writer;
    private long _commits;
    private long _readStatements;
    private int _disposed;

    protected PersistenceEngine(EngineSettings settings, TimeProvider time)
    {
        Settings = settings;
        Time = time;
        Cache = new RecoveryCache(settings, time);
        _opened = new Lazy<Task>(OpenCoreAsync);
    }

    public EngineSettings Settings { get; }

    protected TimeProvider Time { get; }

    internal RecoveryCache Cache { get; }

    /// <summary>Raised by the writer loop after each committed transaction: the ops (atomic writes, deletes) it held and
    /// how long writing and committing it took. Handlers must be quick; they run on the writer.</summary>
    internal event Action<int, TimeSpan>? GroupCommitted;

    /// <summary>Transactions the writer loop committed (one per group).</summary>
    internal long Commits => Interlocked.Read(ref _commits);

    /// <summary>Statements run on reader connections (recovery, replay, highest sequence number, queries).</summary>
    internal long ReadStatements => Interlocked.Read(ref _readStatements);

    protected void CountReadStatement() => Interlocked.Increment(ref _readStatements);

    /// <summary>Opens the database (migrating it) once and starts the writer; every operation awaits this first.</summary>
    public Task OpenAsync() => _opened.Value;

    private async Task OpenCoreAsync()
    {
        await OpenStoreAsync();
        _writer = Task.Run(WriteLoopAsync);
    }

    // ---- changes ----

    public Task EnqueueAsync(WriterOp op)
    {
        if (!_ops.Writer.TryWrite(op))
            return Task.FromException(new ObjectDisposedException(GetType().Name, $"The persistence engine of {Settings.Key} is closed."));
        return OpenedThen(op);
    }

    private Task OpenedThen(WriterOp op)
    {
        var opened = OpenAsync();
        if (opened.IsCompletedSuccessfully) return op.Task;
        return Await(opened, op);

        static async Task Await(Task opened, WriterOp op)
        {
            await opened;
            await op.Task;
        }
    }

    private async Task WriteLoopAsync()
    {
        var reader = _ops.Reader;
        var group = new List<WriterOp>();
        WriterOp? carried = null;
        while (carried is not null || await reader.WaitToReadAsync())
        {
            group.Clear();
            var events = 0;
            if (carried is not null)
            {
                group.Add(carried);
                events = carried.Events;
                carried = null;
            }
            while (events < Settings.MaxGroupEvents && reader.TryRead(out var next))
            {
                if (group.Count > 0 && events + next.Events > Settings.MaxGroupEvents)
                {
                    carried = next;
                    break;
                }
                group.Add(next);
                events += next.Events;
            }
            var started = Stopwatch.GetTimestamp();
            try
            {
                await CommitGroupAsync(group);
                Interlocked.Increment(ref _commits);
            }
            catch (Exception error)
            {
                foreach (var op in group) op.TrySetException(error);
                continue;
            }
            GroupCommitted?.Invoke(group.Count, Stopwatch.GetElapsedTime(started));
            foreach (var op in group)
            {
                // After the commit, so a recovery read that began before it cannot be served once it is acknowledged.
                Cache.Invalidate(op.PersistenceId);
                if (op is WriteEvents write && Array.Find(write.Writes, static w => w.Conflict) is { } conflict)
                    op.TrySetException(new SequenceConflictException(write.PersistenceId, conflict.Rows[0].SequenceNr));
                else op.TrySetResult();
            }
        }
    }

    // ---- recovery and reads ----

    /// <summary>The snapshot store's load: one statement, its journal half kept for the replay that follows.</summary>
    public async Task<StoredSnapshot?> LoadSnapshotAsync(string persistenceId, SnapshotBounds bounds)
    {
        await OpenAsync();
        var entry = Cache.Begin(persistenceId);
        var read = await ReadRecoveryAsync(persistenceId, bounds, Settings.RecoveryCacheMaxEvents, Settings.RecoveryCacheMaxBytes);
        if (entry is not null) Cache.Publish(entry, read);
        return read.Snapshot;
    }

    public async Task<long> ReadHighestSequenceNrAsync(string persistenceId)
    {
        if (Cache.TryHighest(persistenceId) is { } cached) return cached;
        await OpenAsync();
        return await ReadHighestCoreAsync(persistenceId);
    }

    /// <summary>Replays events from..to (at most <paramref name="max"/>), from the kept recovery read when it covers them.</summary>
    public async Task ReplayAsync(string persistenceId, long from, long to, long max, Action<StoredEvent> replay)
    {
        if (Cache.TryTakeTail(persistenceId, from, to) is { } tail)
        {
            long count = 0;
            foreach (var row in tail)
            {
                if (row.SequenceNr < from || row.SequenceNr > to) continue;
                if (count++ >= max) break;
                replay(row);
            }
            return;
        }
        await OpenAsync();
        await ReplayCoreAsync(persistenceId, from, to, max, replay);
    }

    /// <summary>Events from..to (at most <paramref name="max"/>) from the database, for queries: the recovery cache is
    /// for the replay that follows a snapshot load and is left to it.</summary>
    public async Task QueryEventsAsync(string persistenceId, long from, long to, long max, Action<StoredEvent> read)
    {
        await OpenAsync();
        await ReplayCoreAsync(persistenceId, from, to, max, read);
    }

    public async Task<List<string>> ReadPersistenceIdsAsync(string? after, int limit)
    {
        await OpenAsync();
        return await ReadPersistenceIdsCoreAsync(after, limit);
    }

    // ---- what each database supplies ----

    protected abstract Task OpenStoreAsync();

    /// <summary>Runs the group's ops in order in one transaction and commits it, setting <see cref="AtomicRows.Conflict"/>
    /// on every AtomicWrite that was not stored; throws when the transaction failed.</summary>
    protected abstract Task CommitGroupAsync(List<WriterOp> group);

    /// <summary>The selected snapshot, the highest sequence number and up to <paramref name="maxEvents"/> events (and
    /// <paramref name="maxBytes"/> bytes) after the snapshot, in one statement; Tail is null when there were more.</summary>
    protected abstract Task<RecoveryRead> ReadRecoveryAsync(string persistenceId, SnapshotBounds bounds, int maxEvents, long maxBytes);

    /// <summary>The highest sequence number ever stored for the id: its newest event, or the newest deleted one.</summary>
    protected abstract Task<long> ReadHighestCoreAsync(string persistenceId);

    protected abstract Task ReplayCoreAsync(string persistenceId, long from, long to, long max, Action<StoredEvent> replay);

    /// <summary>Persistence ids with events or deletions, in ordinal order, after <paramref name="after"/> (null: from the start).</summary>
    protected abstract Task<List<string>> ReadPersistenceIdsCoreAsync(string? after, int limit);

    protected abstract ValueTask DisposeStoreAsync();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _ops.Writer.TryComplete();
        if (_opened.IsValueCreated)
        {
            try
            {
                await _opened.Value;
            }
            catch
            {
                // It never opened; there is nothing to flush.
            }
        }
        if (_writer is not null) await _writer;
        await DisposeStoreAsync();
        GC.SuppressFinalize(this);
    }
}
