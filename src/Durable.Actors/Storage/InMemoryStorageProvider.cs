using System.Collections.Concurrent;

namespace Durable.Storage;

/// <summary>
/// A provider that keeps journals in process memory: durable for the life of the process only. The default until a
/// database provider is configured, and the store of the TestKit. It keeps every event (no snapshots, no compaction),
/// but refuses point-in-time requests older than <see cref="HistoryRetention"/> like the database providers do.
/// </summary>
public sealed class InMemoryStorageProvider(TimeProvider? time = null) : IDurableStorageProvider
{
    private readonly ConcurrentDictionary<ObjectKey, List<JournalEvent>> _journals = new();
    private readonly ConcurrentDictionary<string, byte[]> _secrets = new();
    private readonly ConcurrentDictionary<ObjectKey, DateTimeOffset> _alarms = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>How far back point-in-time recovery may go. Default 30 days.</summary>
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(30);

    public Task OpenAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<ObjectData> LoadAsync(ObjectKey key, CancellationToken cancellationToken) => LoadAsync(key, long.MaxValue, cancellationToken);

    public Task<ObjectData> LoadAsync(ObjectKey key, long seq, CancellationToken cancellationToken)
    {
        var data = new ObjectData(key);
        if (_journals.TryGetValue(key, out var journal))
            lock (journal)
            {
                if (seq != long.MaxValue && seq > journal.Count)
                    return Task.FromException<ObjectData>(new PointInTimeUnavailableException(
                        $"Object {key}: seq {seq} was never committed (the newest is {journal.Count})."));
                foreach (var e in journal)
                {
                    if (e.Seq > seq) break;
                    data.Apply(e);
                }
            }
        else if (seq is > 0 and not long.MaxValue)
            return Task.FromException<ObjectData>(new PointInTimeUnavailableException($"Object {key}: seq {seq} was never committed (it has no events)."));
        return Task.FromResult(data);
    }

    public Task<JournalPosition> FindPositionAsync(ObjectKey key, DateTimeOffset? time, CancellationToken cancellationToken)
    {
        if (time is { } t && t < _time.GetUtcNow() - HistoryRetention)
            return Task.FromException<JournalPosition>(new PointInTimeUnavailableException(
                $"Object {key}: {t:O} is older than the history retention window ({HistoryRetention.TotalDays:0.###} days)."));
        var position = JournalPosition.Start;
        if (_journals.TryGetValue(key, out var journal))
            lock (journal)
                foreach (var e in journal)
                {
                    if (time is { } limit && e.Time > limit) break;
                    position = new JournalPosition(e.Seq, e.Time);
                }
        return Task.FromResult(position);
    }

    /// <summary>Nothing to drop: this provider keeps only the stored data itself.</summary>
    public void Release(ObjectKey key)
    {
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
