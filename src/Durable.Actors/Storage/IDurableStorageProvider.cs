namespace Durable.Storage;

/// <summary>
/// Where objects' journals live. The contract every provider keeps (and the conformance suite checks):
/// <list type="bullet">
/// <item><see cref="AppendAsync"/> is atomic: the whole event is stored or none of it. It completes only once the event
/// is durable. It throws <see cref="StorageConflictException"/> when an event with that sequence number exists (a stale
/// writer), and faults with any other exception when the outcome is unknown; the caller then treats the object as
/// broken and recovers it from storage.</item>
/// <item><see cref="LoadAsync"/> returns the fold of every durable event of the object (snapshot plus tail), or an
/// empty fold at seq 0 for an object never written.</item>
/// <item>The alarm index (<see cref="LoadAlarmsAsync"/>) changes in the same transaction as the event that changes an
/// object's alarm, so it always agrees with the journal.</item>
/// <item>Calls for different objects may run concurrently; for one object the runtime appends one event at a time.</item>
/// <item>History (for point-in-time recovery) is kept at least for the provider's retention window: any position
/// committed within it can be found and loaded. Asking for older history, or a seq not yet committed, throws
/// <see cref="PointInTimeUnavailableException"/>. A payload that cannot be read throws <see cref="JournalCorruptException"/>.</item>
/// </list>
/// </summary>
public interface IDurableStorageProvider : IAsyncDisposable
{
    /// <summary>Opens the store (creating or migrating its schema). Called once before anything else.</summary>
    Task OpenAsync(CancellationToken cancellationToken);

    Task<ObjectData> LoadAsync(ObjectKey key, CancellationToken cancellationToken);

    Task AppendAsync(ObjectKey key, JournalEvent journalEvent, CancellationToken cancellationToken);

    /// <summary>
    /// The object's activation has ended (passivated or reset): the provider may drop whatever it keeps in memory for
    /// it. Its stored data is untouched, and the next <see cref="LoadAsync(ObjectKey, CancellationToken)"/> starts
    /// over. Without this, per-object bookkeeping grows with every object the node has ever loaded. (Not a default
    /// method: a provider that wraps another must pass it on.)
    /// </summary>
    void Release(ObjectKey key);

    /// <summary>Every object whose alarm is set, with its due time (the store's alarm index).</summary>
    Task<IReadOnlyList<ScheduledAlarm>> LoadAlarmsAsync(CancellationToken cancellationToken);

    /// <summary>The state of the object after event <paramref name="seq"/> (0: empty), for point-in-time recovery.</summary>
    Task<ObjectData> LoadAsync(ObjectKey key, long seq, CancellationToken cancellationToken);

    /// <summary>
    /// The newest position committed at or before <paramref name="time"/>, or the newest of all when it is null
    /// (<see cref="JournalPosition.Start"/> for an object with no event then).
    /// </summary>
    Task<JournalPosition> FindPositionAsync(ObjectKey key, DateTimeOffset? time, CancellationToken cancellationToken);

    /// <summary>Returns the node-wide secret stored under <paramref name="name"/>, creating it from
    /// <paramref name="create"/> the first time. Concurrent first calls agree on one value.</summary>
    Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken);
}
