namespace Durable.Storage;

/// <summary>
/// The writes of one or more turns of one object, committed atomically as one journal event: first an optional
/// delete-all, then puts and deletes (last write per key wins), then an optional alarm change.
/// </summary>
public sealed class WriteBatch
{
    private Dictionary<string, StoredValue?>? _writes;

    /// <summary>True when the batch starts by deleting every key (and the alarm).</summary>
    public bool DeleteAll { get; private set; }

    /// <summary>Puts (a value) and deletes (null) applied after <see cref="DeleteAll"/>, one per key.</summary>
    public IReadOnlyDictionary<string, StoredValue?> Writes =>
        (IReadOnlyDictionary<string, StoredValue?>?)_writes ?? System.Collections.ObjectModel.ReadOnlyDictionary<string, StoredValue?>.Empty;

    /// <summary>True when the batch changes the alarm; <see cref="Alarm"/> is then the new time or null (deleted).</summary>
    public bool AlarmChanged { get; private set; }

    public DateTimeOffset? Alarm { get; private set; }

    public bool IsEmpty => !DeleteAll && !AlarmChanged && (_writes is null || _writes.Count == 0);

    public int Count => _writes?.Count ?? 0;

    public void Put(string key, StoredValue value) => (_writes ??= new(StringComparer.Ordinal))[key] = value;

    public void Delete(string key) => (_writes ??= new(StringComparer.Ordinal))[key] = null;

    public void Clear()
    {
        _writes?.Clear();
        DeleteAll = true;
        AlarmChanged = true;
        Alarm = null;
    }

    public void SetAlarm(DateTimeOffset? time)
    {
        AlarmChanged = true;
        Alarm = time;
    }

    /// <summary>Folds a later batch into this one, as if both had been written in one turn.</summary>
    public void Append(WriteBatch later)
    {
        if (later.DeleteAll) Clear();
        if (later._writes is not null)
            foreach (var (key, value) in later._writes)
                (_writes ??= new(StringComparer.Ordinal))[key] = value;
        if (later.AlarmChanged) SetAlarm(later.Alarm);
    }

    /// <summary>A copy whose later changes do not touch this batch (a transaction's rollback point).</summary>
    public WriteBatch Clone() => new()
    {
        _writes = _writes is null ? null : new(_writes, StringComparer.Ordinal),
        DeleteAll = DeleteAll,
        AlarmChanged = AlarmChanged,
        Alarm = Alarm,
    };
}
