namespace Durable.Storage;

/// <summary>
/// Point-in-time recovery (Cloudflare's bookmarks). A restore is itself a journaled batch — delete-all, then every key
/// and the alarm as they were at the bookmark — so it commits atomically like any write, and the bookmark it returns
/// undoes it. While these calls read history, the input gate is held: no other event starts in between.
/// </summary>
public sealed partial class DurableObjectStorage
{
    /// <summary>A bookmark of the current state, once every write made so far is durable.</summary>
    public async Task<string> GetCurrentBookmarkAsync()
    {
        Enter();
        return Bookmark.Format(await WithGateAsync(async () =>
        {
            await _activation.OutputGate.WhenDurableAsync();
            return await _activation.FindPositionAsync(null);
        }));
    }

    /// <summary>A bookmark of the state as it was at <paramref name="time"/>; throws
    /// <see cref="PointInTimeUnavailableException"/> when that is older than the history retention window.</summary>
    public async Task<string> GetBookmarkForTimeAsync(DateTimeOffset time)
    {
        Enter();
        return Bookmark.Format(await WithGateAsync(() => _activation.FindPositionAsync(time)));
    }

    /// <summary>
    /// Returns the object to its state at <paramref name="bookmark"/>: every event after this call sees that state (the
    /// current event too, once this returns). Returns a bookmark of the state just before, which undoes the restore.
    /// The restore is committed with the rest of the turn's writes; the response waits for it as for any write.
    /// </summary>
    public async Task<string> OnNextSessionRestoreBookmarkAsync(string bookmark)
    {
        Enter();
        if (_transaction is not null)
            throw new InvalidOperationException("OnNextSessionRestoreBookmarkAsync cannot be called inside a transaction.");
        var (_, seq) = Bookmark.Parse(_activation.Key, bookmark);
        return await WithGateAsync(async () =>
        {
            await _activation.OutputGate.WhenDurableAsync();
            var current = await _activation.FindPositionAsync(null);
            if (seq > current.Seq)
                throw new PointInTimeUnavailableException(
                    $"Object {_activation.Key}: bookmark {bookmark} is at seq {seq}, after the object's newest event {current.Seq}.");
            var target = await _activation.LoadHistoryAsync(seq);
            _activation.EnterStorage();
            ReplaceState(target);
            return Bookmark.Format(current);
        });
    }

    private void ReplaceState(ObjectData target)
    {
        var batch = _activation.OutputGate.OpenBatch;
        batch.Clear();
        _data.Entries.Clear();
        foreach (var (key, value) in target.Entries.Entries())
        {
            _data.Entries.Set(key, value);
            batch.Put(key, value);
        }
        _data.SetAlarm(target.Alarm);
        batch.SetAlarm(target.Alarm);
    }

    private async Task<T> WithGateAsync<T>(Func<Task<T>> read)
    {
        _activation.LockInput();
        try
        {
            return await read();
        }
        finally
        {
            _activation.UnlockInput();
        }
    }
}
