namespace Durable.Persistence;

/// <summary>
/// Makes an engine's commits durable off its writer loop, for a database whose commit returns before it is on disk
/// (SQLite's WAL with <c>synchronous=NORMAL</c>: the commit's frames are written, not fsynced). What it promises:
/// <list type="bullet">
/// <item>A committed group's ops complete only after a sync that began after the group's commit returned, so an
/// acknowledged change is on disk exactly as with a sync inside the commit; one sync covers every group committed
/// before it, and groups complete in commit order.</item>
/// <item>While one sync runs, the writer commits the next groups: the disk's wait overlaps the next group's work
/// instead of stalling the writer. A writer with nothing queued syncs itself (<see cref="SyncPending"/>), sparing a
/// lone write the wake-up of this thread.</item>
/// <item>A read waits, through <see cref="WhenDurable"/>, for the sync of every commit it may have seen, so nothing a
/// read returns can be lost to a power failure after it was returned.</item>
/// <item>After a failed sync nothing is acknowledged again: what that sync should have written is unknown, and a later
/// sync succeeding would not bring it back. Every op and read after it faults with the failure.</item>
/// </list>
/// </summary>
internal sealed class CommitSyncer : IDisposable
{
    private readonly Action _sync;
    private readonly Thread _thread;
    private readonly object _gate = new();
    private List<(long Number, WriterOp[] Ops)> _pending = [];
    private List<(long Number, WriterOp[] Ops)> _taken = [];
    private readonly List<(long Number, TaskCompletionSource Waiter)> _waiters = [];
    private long _durable;
    private Exception? _failure;
    private bool _stopping;
    // A sync is running (on this thread or the writer's): never two at once, so groups complete in commit order.
    private bool _syncing;

    /// <param name="sync">Makes every commit that returned before the call durable; throws when it could not.</param>
    /// <param name="name">The thread's name.</param>
    public CommitSyncer(Action sync, string name)
    {
        _sync = sync;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The failed sync's error once one failed; the engine then commits nothing more.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    private long _syncs;

    /// <summary>Syncs run (for tests).</summary>
    internal long Syncs => Interlocked.Read(ref _syncs);

    /// <summary>Reads waiting in <see cref="WhenDurable"/> (for tests).</summary>
    internal int Waiting
    {
        get
        {
            lock (_gate) return _waiters.Count;
        }
    }

    /// <summary>Hands over the ops of commit <paramref name="number"/> (numbers rise by one per commit, failed commits
    /// included with no ops), to be completed once a sync covers it; <paramref name="wake"/> false when the caller
    /// syncs next itself.</summary>
    public void Committed(long number, WriterOp[] ops, bool wake = true)
    {
        lock (_gate)
        {
            _pending.Add((number, ops));
            if (wake) Monitor.Pulse(_gate);
        }
    }

    /// <summary>Syncs what was handed over on the calling thread, unless a sync is running (its thread then takes it
    /// next).</summary>
    public void SyncPending()
    {
        lock (_gate)
        {
            if (_syncing || _pending.Count == 0) return;
            _syncing = true;
            (_pending, _taken) = (_taken, _pending);
        }
        SyncTaken();
    }

    /// <summary>Completes once commit <paramref name="number"/> and all before it are durable.</summary>
    public Task WhenDurable(long number)
    {
        if (Volatile.Read(ref _durable) >= number) return Task.CompletedTask;
        lock (_gate)
        {
            if (_failure is not null) return Task.FromException(_failure);
            if (_durable >= number) return Task.CompletedTask;
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((number, waiter));
            return waiter.Task;
        }
    }

    private void Run()
    {
        while (true)
        {
            lock (_gate)
            {
                while ((_pending.Count == 0 || _syncing) && !_stopping) Monitor.Wait(_gate);
                while (_syncing) Monitor.Wait(_gate);
                if (_pending.Count == 0) return;
                _syncing = true;
                (_pending, _taken) = (_taken, _pending);
            }
            SyncTaken();
        }
    }

    /// <summary>Syncs, then completes the taken groups and the reads they release; the caller set <c>_syncing</c>.</summary>
    private void SyncTaken()
    {
        var failure = Failure;
        if (failure is null)
        {
            try
            {
                _sync();
                Interlocked.Increment(ref _syncs);
            }
            catch (Exception error)
            {
                failure = new IOException("Syncing the journal's committed changes to disk failed; their outcome is unknown and the engine acknowledges no more changes.", error);
                Volatile.Write(ref _failure, failure);
            }
        }
        foreach (var (_, ops) in _taken)
        foreach (var op in ops)
        {
            if (failure is null) op.Complete();
            else op.TrySetException(failure);
        }
        var last = _taken[^1].Number;
        _taken.Clear();
        lock (_gate)
        {
            _syncing = false;
            // Groups handed over during this sync: the thread takes them (it may have been asleep).
            if (_pending.Count > 0 || _stopping) Monitor.PulseAll(_gate);
            if (failure is null) Volatile.Write(ref _durable, last);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var (number, waiter) = _waiters[i];
                if (failure is not null) waiter.TrySetException(failure);
                else if (number <= last) waiter.TrySetResult();
                else continue;
                _waiters.RemoveAt(i);
            }
        }
    }

    /// <summary>Syncs and completes what was handed over, then stops the thread.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.Pulse(_gate);
        }
        _thread.Join();
    }
}
