using System.Diagnostics;
using System.Threading.Channels;

namespace Durable.Persistence;

/// <summary>
/// One database's storage engine, shared by the journal and the snapshot store that name it. What it promises:
/// <list type="bullet">
/// <item>Group commit: every change (the AtomicWrites of any number of concurrent WriteMessagesAsync calls, deletions,
/// snapshot saves and deletions) goes to one writer loop, which commits all that is queued — up to
/// <see cref="EngineSettings.MaxGroupEvents"/> events — in one transaction, one fsync, in queue order. A change completes
/// only after that commit is durable; a failed transaction faults every change in it (outcome unknown). Where the
/// database's commit returns before the fsync (<see cref="SyncsAfterCommit"/>), a <see cref="CommitSyncer"/> makes the
/// commits durable while the writer goes on with the next group, and reads wait for the sync of what they saw.</item>
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
    private CommitSyncer? _syncer;
    // Commits begun by the writer loop (their numbers); a read may see any commit up to this count.
    private long _committing;
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

    /// <summary>Raised after each sync that made commits durable: how long it took. Handlers must be quick; they run
    /// before the synced groups complete.</summary>
    internal event Action<TimeSpan>? Synced;

    /// <summary>Raised when upkeep after a commit (<see cref="AfterCommit"/>) failed: nothing stored was lost or
    /// changed, but the operator should know. Runs on the writer.</summary>
    internal event Action<Exception>? UpkeepFailed;

    protected void ReportUpkeepFailure(Exception error) => UpkeepFailed?.Invoke(error);

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
        if (SyncsAfterCommit) _syncer = new CommitSyncer(SyncOnSyncer, $"Durable journal sync ({Settings.Kind})");
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
            if (_syncer?.Failure is { } broken)
            {
                foreach (var op in group) op.TrySetException(broken);
                continue;
            }
            var started = Stopwatch.GetTimestamp();
            var number = Interlocked.Increment(ref _committing);
            try
            {
                await CommitGroupAsync(group);
                Interlocked.Increment(ref _commits);
            }
            catch (Exception error)
            {
                foreach (var op in group) op.TrySetException(error);
                // Reads waiting for this number are released by the next sync.
                _syncer?.Committed(number, []);
                continue;
            }
            GroupCommitted?.Invoke(group.Count, Stopwatch.GetElapsedTime(started));
            // After the commit, so a recovery read that began before it cannot be served once it is acknowledged.
            foreach (var op in group) Cache.Invalidate(op.PersistenceId);
            if (_syncer is null)
            {
                foreach (var op in group) op.Complete();
            }
            else if (reader.TryPeek(out _) || carried is not null)
            {
                _syncer.Committed(number, group.ToArray());
            }
            else
            {
                // Nothing queued: the writer would only wait, so it syncs itself rather than wake the syncer's thread.
                _syncer.Committed(number, group.ToArray(), wake: false);
                _syncer.SyncPending();
            }
            AfterCommit();
        }
    }

    /// <summary>Runs in the writer loop after each group commit was handed on (while its sync runs, unless the writer
    /// synced it itself): upkeep whose changes leave what is stored as it was. It must not throw: a failure is reported
    /// through <see cref="ReportUpkeepFailure"/>.</summary>
    protected virtual void AfterCommit()
    {
    }

    /// <summary>Runs on the syncer's thread before each sync (tests hold or fail the sync with it).</summary>
    internal Action? BeforeSync { get; set; }

    /// <summary>Syncs the syncer ran (0 where commits are durable on their own).</summary>
    internal long Syncs => _syncer?.Syncs ?? 0;

    /// <summary>Reads waiting for the sync of a commit they may have seen (for tests).</summary>
    internal int ReadsWaitingForSync => _syncer?.Waiting ?? 0;

    private void SyncOnSyncer()
    {
        BeforeSync?.Invoke();
        var started = Stopwatch.GetTimestamp();
        SyncCommitted();
        Synced?.Invoke(Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Completes once every commit a read that has just finished may have seen is durable.</summary>
    private Task SeenDurableAsync() => _syncer?.WhenDurable(Interlocked.Read(ref _committing)) ?? Task.CompletedTask;

    // ---- recovery and reads ----

    /// <summary>The snapshot store's load: one statement, its journal half kept for the replay that follows.</summary>
    public async Task<StoredSnapshot?> LoadSnapshotAsync(string persistenceId, SnapshotBounds bounds)
    {
        await OpenAsync();
        var entry = Cache.Begin(persistenceId);
        var read = await ReadRecoveryAsync(persistenceId, bounds, Settings.RecoveryCacheMaxEvents, Settings.RecoveryCacheMaxBytes);
        await SeenDurableAsync();
        if (entry is not null) Cache.Publish(entry, read);
        return read.Snapshot;
    }

    public async Task<long> ReadHighestSequenceNrAsync(string persistenceId)
    {
        if (Cache.TryHighest(persistenceId) is { } cached) return cached;
        await OpenAsync();
        var highest = await ReadHighestCoreAsync(persistenceId);
        await SeenDurableAsync();
        return highest;
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
        // The replayed events reach the actor before this completes, but it recovers (and can answer) only after.
        await ReplayCoreAsync(persistenceId, from, to, max, replay);
        await SeenDurableAsync();
    }

    /// <summary>Events from..to (at most <paramref name="max"/>) from the database, for queries: the recovery cache is
    /// for the replay that follows a snapshot load and is left to it.</summary>
    public async Task QueryEventsAsync(string persistenceId, long from, long to, long max, Action<StoredEvent> read)
    {
        await OpenAsync();
        await ReplayCoreAsync(persistenceId, from, to, max, read);
        await SeenDurableAsync();
    }

    public async Task<List<string>> ReadPersistenceIdsAsync(string? after, int limit)
    {
        await OpenAsync();
        var ids = await ReadPersistenceIdsCoreAsync(after, limit);
        await SeenDurableAsync();
        return ids;
    }

    // ---- what each database supplies ----

    protected abstract Task OpenStoreAsync();

    /// <summary>True when <see cref="CommitGroupAsync"/> returns before the commit is on disk, leaving that to
    /// <see cref="SyncCommitted"/>; false when a returned commit is durable.</summary>
    protected virtual bool SyncsAfterCommit => false;

    /// <summary>Makes every commit that returned before the call durable (runs on the syncer's thread, while the writer
    /// commits the next groups); throws when it could not.</summary>
    protected virtual void SyncCommitted() => throw new NotSupportedException($"{GetType().Name} commits durably.");

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
        _syncer?.Dispose();
        await DisposeStoreAsync();
        GC.SuppressFinalize(this);
    }
}
