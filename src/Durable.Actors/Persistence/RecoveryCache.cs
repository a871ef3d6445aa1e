using System.Collections.Concurrent;

namespace Durable.Persistence;

/// <summary>
/// Akka recovers a persistent actor with three requests: the snapshot store's load, then the journal's highest sequence
/// number and replay. The snapshot load reads all three in one statement; this keeps the journal's part until the journal
/// asks, so a recovery costs one round trip.
/// <para>Never staler than a fresh read: an entry is registered before its statement starts, and the writer marks the
/// id's entry stale after every commit that touches the id. A commit the statement did not see finished after the
/// statement began, so its mark comes after the registration and the entry is refused; a commit it did see needs no
/// mark. An entry is taken by the replay (or by the highest-sequence-number request when there is nothing to replay),
/// and dropped when the same id loads again, after <see cref="EngineSettings.RecoveryCacheMaxAge"/>, or when
/// <see cref="EngineSettings.RecoveryCacheEntries"/> newer ones arrived; a tail longer than the bounds is not kept.</para>
/// </summary>
internal sealed class RecoveryCache(EngineSettings settings, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<KeyValuePair<string, Entry>> _order = new();
    private int _ordered;

    /// <summary>Entries held now (for tests).</summary>
    internal int Count => _entries.Count;

    /// <summary>Registers a read about to start; null when the cache is off.</summary>
    public Entry? Begin(string persistenceId)
    {
        if (settings.RecoveryCacheEntries == 0) return null;
        var entry = new Entry(time.GetTimestamp());
        _entries.AddOrUpdate(persistenceId, static (_, added) => added, static (_, old, added) =>
        {
            old.Stale = true;
            return added;
        }, entry);
        var pair = KeyValuePair.Create(persistenceId, entry);
        _order.Enqueue(pair);
        if (Interlocked.Increment(ref _ordered) > settings.RecoveryCacheEntries && _order.TryDequeue(out var oldest))
        {
            Interlocked.Decrement(ref _ordered);
            oldest.Value.Stale = true;
            _entries.TryRemove(oldest);
        }
        return entry;
    }

    public void Publish(Entry entry, RecoveryRead read)
    {
        entry.Read = read;
        Volatile.Write(ref entry.Ready, true);
    }

    /// <summary>Called by the writer after each commit touching the id.</summary>
    public void Invalidate(string persistenceId)
    {
        // A lookup first: it takes no lock, and most commits touch ids with no entry.
        if (!_entries.TryGetValue(persistenceId, out var entry)) return;
        entry.Stale = true;
        _entries.TryRemove(KeyValuePair.Create(persistenceId, entry));
    }

    public long? TryHighest(string persistenceId)
    {
        if (!TryGetUsable(persistenceId, out var entry, out var read)) return null;
        // Nothing to replay after the snapshot: the replay request will not come, so the entry is done.
        if (read.Tail is { Count: 0 }) _entries.TryRemove(KeyValuePair.Create(persistenceId, entry));
        return read.HighestSequenceNr;
    }

    /// <summary>The kept events when they cover from..to (every event after the snapshot up to the highest), taking the entry.</summary>
    public List<StoredEvent>? TryTakeTail(string persistenceId, long from, long to)
    {
        if (!TryGetUsable(persistenceId, out var entry, out var read)) return null;
        _entries.TryRemove(KeyValuePair.Create(persistenceId, entry));
        if (read.Tail is not { } tail) return null;
        var first = (read.Snapshot?.SequenceNr ?? 0) + 1;
        return from >= first ? tail : null;
    }

    private bool TryGetUsable(string persistenceId, out Entry entry, out RecoveryRead read)
    {
        read = null!;
        if (!_entries.TryGetValue(persistenceId, out entry!)) return false;
        if (!Volatile.Read(ref entry.Ready) || entry.Stale || time.GetElapsedTime(entry.Started) > settings.RecoveryCacheMaxAge)
            return false;
        read = entry.Read!;
        return true;
    }

    internal sealed class Entry(long started)
    {
        public long Started { get; } = started;

        public RecoveryRead? Read;

        public bool Ready;

        public volatile bool Stale;
    }
}
