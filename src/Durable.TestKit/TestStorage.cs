using Durable.Storage;

namespace Durable.TestKit;

/// <summary>
/// The TestKit's store: the in-memory provider with fault injection, in the spirit of Akka's PersistenceTestKit.
/// Appends and loads can be failed or held until a test releases them, so tests can observe the gates.
/// </summary>
public sealed class TestStorage : IDurableStorageProvider
{
    private readonly InMemoryStorageProvider _inner;

    /// <param name="time">The clock history retention is measured by: the test runtime's virtual clock.</param>
    public TestStorage(TimeProvider? time = null) => _inner = new InMemoryStorageProvider(time);

    /// <summary>The faults this store injects and the calls it counts.</summary>
    public JournalFaults Faults { get; } = new(message => new IOException(message));

    /// <summary>Appends that reached the store (held or not, failed or not).</summary>
    public int AppendCount => Faults.AppendCount;

    public int LoadCount => Faults.LoadCount;

    /// <summary>Completes once <paramref name="count"/> appends in all have reached the store (held ones included).</summary>
    public Task WaitForAppendsAsync(int count) => Faults.WaitForAppendsAsync(count);

    /// <summary>Completes once <paramref name="count"/> loads in all have reached the store (held ones included).</summary>
    public Task WaitForLoadsAsync(int count) => Faults.WaitForLoadsAsync(count);

    /// <summary>The next append fails with <paramref name="error"/> (default: an IOException) and writes nothing.</summary>
    public void FailNextAppend(Exception? error = null) => Faults.FailNextAppend(error);

    /// <summary>Appends wait until the returned hold is released (disposed).</summary>
    public StorageHold HoldAppends() => Faults.HoldAppends();

    /// <summary>Loads wait until the returned hold is released (disposed).</summary>
    public StorageHold HoldLoads() => Faults.HoldLoads();

    /// <summary>The committed journal of an object.</summary>
    public IReadOnlyList<JournalEvent> GetJournal(DurableObjectId id) => _inner.GetJournal(ObjectKey.For(id));

    /// <summary>The object's durable state: the fold of its committed journal.</summary>
    public async Task<ObjectData> ReadDurableStateAsync(DurableObjectId id) =>
        await _inner.LoadAsync(ObjectKey.For(id), CancellationToken.None);

    public Task OpenAsync(CancellationToken cancellationToken) => _inner.OpenAsync(cancellationToken);

    public async Task<ObjectData> LoadAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        await Faults.BeforeLoadAsync();
        return await _inner.LoadAsync(key, cancellationToken);
    }

    public async Task AppendAsync(ObjectKey key, JournalEvent journalEvent, CancellationToken cancellationToken)
    {
        await Faults.BeforeAppendAsync();
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
