namespace Durable.Storage;

/// <summary>
/// An object's keys and values, kept sorted by UTF-8 byte order for range listing.
/// Lookups are hash lookups; inserts and removals of new keys are a binary search plus an array shift.
/// </summary>
public sealed class KeyMap
{
    private readonly Dictionary<string, StoredValue> _values = new(StringComparer.Ordinal);
    private readonly List<string> _sorted = [];

    public int Count => _values.Count;

    public bool TryGet(string key, out StoredValue value) => _values.TryGetValue(key, out value);

    public void Set(string key, StoredValue value)
    {
        if (!_values.TryAdd(key, value))
        {
            _values[key] = value;
            return;
        }
        var index = _sorted.BinarySearch(key, Utf8KeyComparer.Instance);
        _sorted.Insert(~index, key);
    }

    public bool Remove(string key)
    {
        if (!_values.Remove(key)) return false;
        _sorted.RemoveAt(_sorted.BinarySearch(key, Utf8KeyComparer.Instance));
        return true;
    }

    public void Clear()
    {
        _values.Clear();
        _sorted.Clear();
    }

    /// <summary>Index of the first key ≥ <paramref name="key"/> (or &gt; it when <paramref name="after"/>).</summary>
    public int LowerBound(string key, bool after = false)
    {
        var index = _sorted.BinarySearch(key, Utf8KeyComparer.Instance);
        return index >= 0 ? (after ? index + 1 : index) : ~index;
    }

    public string KeyAt(int index) => _sorted[index];

    public IEnumerable<KeyValuePair<string, StoredValue>> Entries()
    {
        foreach (var key in _sorted) yield return new(key, _values[key]);
    }
}
