using System.Collections.Concurrent;

namespace Durable.Storage;

/// <summary>
/// A provider that keeps journals in process memory: durable for the life of the process only. The default until a
/// database provider is configured, and the store of the TestKit.
/// </summary>
public sealed class InMemoryStorageProvider : IDurableStorageProvider
{
    private readonly ConcurrentDictionary<ObjectKey, List<JournalEvent>> _journals = new();
    private readonly ConcurrentDictionary<string, byte[]> _secrets = new();
    private readonly ConcurrentDictionary<ObjectKey, DateTimeOffset> _alarms = new();

    public Task OpenAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<ObjectData> LoadAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var data = new ObjectData(key);
        if (_journals.TryGetValue(key, out var journal))
            lock (journal)
                foreach (var e in journal) data.Apply(e);
        return Task.FromResult(data);
    }

    public Task AppendAsync(ObjectKey key, JournalEvent journalEvent, CancellationToken cancellationToken)
    {
        var journal = _journals.GetOrAdd(key, static _ => []);
        lock (journal)
        {
            if (journalEvent.Seq != journal.Count + 1)
                return Task.FromException(new StorageConflictException(key, journalEvent.Seq));
            // The runtime may keep mutating its batch objects after a commit; store a copy.
            journal.Add(journalEvent with { Batch = journalEvent.Batch.Clone() });
            if (journalEvent.Batch.AlarmChanged)
            {
                if (journalEvent.Batch.Alarm is { } due) _alarms[key] = due;
                else _alarms.TryRemove(key, out _);
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ScheduledAlarm>> LoadAlarmsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ScheduledAlarm>>(_alarms.Select(a => new ScheduledAlarm(a.Key, a.Value)).ToList());

    public Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken) =>
        Task.FromResult(_secrets.GetOrAdd(name, _ => create()));

    /// <summary>The events committed for an object so far (a copy).</summary>
    public IReadOnlyList<JournalEvent> GetJournal(ObjectKey key)
    {
        if (!_journals.TryGetValue(key, out var journal)) return [];
        lock (journal) return journal.ToArray();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
