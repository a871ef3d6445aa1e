namespace Durable.TestKit;

/// <summary>
/// The kit's hand on the object journal: counts the writes and recoveries that reach it, and
/// makes the next write fail or be rejected, or holds writes or recoveries until the test releases them. It sits in
/// Akka.Persistence.TestKit's journal (writes) and snapshot store (the load every recovery starts
/// with).
/// </summary>
public sealed class JournalFaults
{
    private readonly Lock _sync = new();
    private readonly Func<string, Exception> _rejection;
    private Func<Exception>? _next;
    private TaskCompletionSource? _appendHold;
    private TaskCompletionSource? _loadHold;
    private readonly Tally _appends = new();
    private readonly Tally _loads = new();

    /// <param name="rejection">The journal's own exception for a write it refuses (bad data), given a message.</param>
    internal JournalFaults(Func<string, Exception> rejection) => _rejection = rejection;

    /// <summary>Writes that reached the journal (held or not, failed or not).</summary>
    public int AppendCount => (int)_appends.Value;

    /// <summary>Recoveries (object loads) that reached the journal.</summary>
    public int LoadCount => (int)_loads.Value;

    /// <summary>Completes once <paramref name="count"/> writes in all have reached the journal (held ones included).</summary>
    public Task WaitForAppendsAsync(int count) => _appends.WhenAtLeast(count);

    /// <summary>Completes once <paramref name="count"/> loads in all have reached the journal (held ones included).</summary>
    public Task WaitForLoadsAsync(int count) => _loads.WhenAtLeast(count);

    /// <summary>The next write fails with <paramref name="error"/> (default: an IOException) and stores nothing.</summary>
    public void FailNextAppend(Exception? error = null)
    {
        lock (_sync) _next = () => error ?? new IOException("Injected append failure.");
    }

    /// <summary>The journal refuses the next write (as it refuses data it cannot store) and stores nothing.</summary>
    public void RejectNextAppend()
    {
        lock (_sync) _next = () => _rejection("Injected append rejection.");
    }

    /// <summary>Writes wait until the returned hold is released (disposed).</summary>
    public StorageHold HoldAppends()
    {
        lock (_sync) return new StorageHold(_appendHold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>Loads wait until the returned hold is released (disposed).</summary>
    public StorageHold HoldLoads()
    {
        lock (_sync) return new StorageHold(_loadHold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>Runs before a write reaches the store: counts it, waits out a hold, throws an injected fault.</summary>
    internal async Task BeforeAppendAsync()
    {
        _appends.Add();
        Task hold;
        Func<Exception>? fault;
        lock (_sync)
        {
            hold = _appendHold?.Task ?? Task.CompletedTask;
            fault = _next;
            _next = null;
        }
        await hold;
        if (fault is not null) throw fault();
    }

    /// <summary>Runs before a load reaches the store: counts it and waits out a hold.</summary>
    internal Task BeforeLoadAsync()
    {
        _loads.Add();
        lock (_sync) return _loadHold?.Task ?? Task.CompletedTask;
    }
}

/// <summary>Holds journal calls until disposed.</summary>
public sealed class StorageHold : IDisposable
{
    private readonly TaskCompletionSource _gate;

    internal StorageHold(TaskCompletionSource gate) => _gate = gate;

    public void Release() => _gate.TrySetResult();

    public void Dispose() => Release();
}
