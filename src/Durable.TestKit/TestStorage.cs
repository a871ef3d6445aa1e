using Durable.Storage;

namespace Durable.TestKit;

/// <summary>
/// The TestKit's store: the in-memory provider with fault injection, in the spirit of Akka's PersistenceTestKit.
/// Appends and loads can be failed or held until a test releases them, so tests can observe the gates.
/// </summary>
public sealed class TestStorage : IDurableStorageProvider
{
    private readonly InMemoryStorageProvider _inner;
    private readonly Lock _sync = new();
    private Exception? _failNextAppend;
    private TaskCompletionSource? _appendHold;
    private TaskCompletionSource? _loadHold;
    private readonly List<(Func<bool> Ready, TaskCompletionSource Done)> _waiters = [];
    private int _appends;
    private int _loads;

    /// <param name="time">The clock history retention is measured by: the test runtime's virtual clock.</param>
    public TestStorage(TimeProvider? time = null) => _inner = new InMemoryStorageProvider(time);

    /// <summary>Appends that reached the store (held or not, failed or not).</summary>
    public int AppendCount => Volatile.Read(ref _appends);

    public int LoadCount => Volatile.Read(ref _loads);

    /// <summary>Completes once <paramref name="count"/> appends in all have reached the store (held ones included).</summary>
    public Task WaitForAppendsAsync(int count) => WaitFor(() => Volatile.Read(ref _appends) >= count);

    /// <summary>Completes once <paramref name="count"/> loads in all have reached the store (held ones included).</summary>
    public Task WaitForLoadsAsync(int count) => WaitFor(() => Volatile.Read(ref _loads) >= count);

    private Task WaitFor(Func<bool> ready)
    {
        lock (_sync)
        {
            if (ready()) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((ready, done));
            return done.Task;
        }
    }

    private void Arrived()
    {
        lock (_sync)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Ready()) continue;
                _waiters[i].Done.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    /// <summary>The next append fails with <paramref name="error"/> (default: an IOException) and writes nothing.</summary>
    public void FailNextAppend(Exception? error = null)
    {
        lock (_sync) _failNextAppend = error ?? new IOException("Injected append failure.");
    }

    /// <summary>Appends wait until the returned hold is released (disposed).</summary>
    public StorageHold HoldAppends()
    {
        lock (_sync) return new StorageHold(_appendHold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>Loads wait until the returned hold is released (disposed).</summary>
    public StorageHold HoldLoads()
    {
        lock (_sync) return new StorageHold(_loadHold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>The committed journal of an object.</summary>
    public IReadOnlyList<JournalEvent> GetJournal(DurableObjectId id) => _inner.GetJournal(ObjectKey.For(id));

    /// <summary>The object's durable state: the fold of its committed journal.</summary>
    public async Task<ObjectData> ReadDurableStateAsync(DurableObjectId id) =>
        await _inner.LoadAsync(ObjectKey.For(id), CancellationToken.None);

    public Task OpenAsync(CancellationToken cancellationToken) => _inner.OpenAsync(cancellationToken);

    public async Task<ObjectData> LoadAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _loads);
        Arrived();
        Task hold;
        lock (_sync) hold = _loadHold?.Task ?? Task.CompletedTask;
        await hold;
        return await _inner.LoadAsync(key, cancellationToken);
    }

    public async Task AppendAsync(ObjectKey key, JournalEvent journalEvent, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _appends);
        Arrived();
        Task hold;
        Exception? failure;
        lock (_sync)
        {
            hold = _appendHold?.Task ?? Task.CompletedTask;
            failure = _failNextAppend;
            _failNextAppend = null;
        }
        await hold;
        if (failure is not null) throw failure;
        await _inner.AppendAsync(key, journalEvent, cancellationToken);
    }

    public void Release(ObjectKey key) => _inner.Release(key);

    public Task<ObjectData> LoadAsync(ObjectKey key, long seq, CancellationToken cancellationToken) =>
        _inner.LoadAsync(key, seq, cancellationToken);

    public Task<JournalPosition> FindPositionAsync(ObjectKey key, DateTimeOffset? time, CancellationToken cancellationToken) =>
        _inner.FindPositionAsync(key, time, cancellationToken);

    public Task<IReadOnlyList<ScheduledAlarm>> LoadAlarmsAsync(CancellationToken cancellationToken) =>
        _inner.LoadAlarmsAsync(cancellationToken);

    public Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken) =>
        _inner.GetOrCreateSecretAsync(name, create, cancellationToken);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}

/// <summary>Holds storage calls until disposed.</summary>
public sealed class StorageHold : IDisposable
{
    private readonly TaskCompletionSource _gate;

    internal StorageHold(TaskCompletionSource gate) => _gate = gate;

    public void Release() => _gate.TrySetResult();

    public void Dispose() => Release();
}
