namespace Durable.Storage;

/// <summary>The handle a <see cref="DurableObjectStorage.TransactionAsync{T}"/> body reads and writes through.</summary>
public sealed class DurableObjectTransaction
{
    private readonly DurableObjectStorage _storage;

    internal DurableObjectTransaction(DurableObjectStorage storage, WriteBatch batchBefore, DateTimeOffset? alarmBefore)
    {
        _storage = storage;
        BatchBefore = batchBefore;
        AlarmBefore = alarmBefore;
    }

    internal WriteBatch BatchBefore { get; }

    internal DateTimeOffset? AlarmBefore { get; }

    /// <summary>The value each written key had before the transaction (null: absent).</summary>
    internal Dictionary<string, StoredValue?> Before { get; } = new(StringComparer.Ordinal);

    internal bool RolledBack { get; private set; }

    public ValueTask<T?> GetAsync<T>(string key) => _storage.GetAsync<T>(key);

    public ValueTask<IReadOnlyDictionary<string, T?>> GetAsync<T>(IEnumerable<string> keys) => _storage.GetAsync<T>(keys);

    public ValueTask PutAsync<T>(string key, T value) => _storage.PutAsync(key, value);

    public ValueTask PutAsync<T>(IEnumerable<KeyValuePair<string, T>> entries) => _storage.PutAsync(entries);

    public ValueTask<bool> DeleteAsync(string key) => _storage.DeleteAsync(key);

    public ValueTask<int> DeleteAsync(IEnumerable<string> keys) => _storage.DeleteAsync(keys);

    public ValueTask<IReadOnlyDictionary<string, T?>> ListAsync<T>(ListOptions? options = null) => _storage.ListAsync<T>(options);

    /// <summary>Undoes every write of the transaction when its body returns.</summary>
    public void Rollback() => RolledBack = true;

    internal void Remember(string key, KeyMap entries)
    {
        if (Before.ContainsKey(key)) return;
        Before[key] = entries.TryGet(key, out var value) ? value : null;
    }
}
