namespace Durable.Storage;

/// <summary>
/// An object's keys and values, with the keys in UTF-8 byte order for range listing.
/// Lookups are hash lookups. The sorted key list is built the first time an order is asked for (a list, a snapshot)
/// and kept from then on: inserts and removals of new keys are then a binary search plus an array shift. Most objects
/// never ask, and do not carry the list (88 bytes for a counter).
/// </summary>
public sealed class KeyMap
{
    private readonly Dictionary<string, StoredValue> _values = new(StringComparer.Ordinal);
    private List<string>? _sorted;

    public int Count => _values.Count;

    public bool TryGet(string key, out StoredValue value) => _values.TryGetValue(key, out value);

    public void Set(string key, StoredValue value)
    {
        if (!_values.TryAdd(key, value))
        {
            _values[key] = value;
            return;
        }
        if (_sorted is null) return;
        var index = _sorted.BinarySearch(key, Utf8KeyComparer.Instance);
        _sorted.Insert(~index, key);
    }

    public bool Remove(string key)
    {
        if (!_values.Remove(key)) return false;
        _sorted?.RemoveAt(_sorted.BinarySearch(key, Utf8KeyComparer.Instance));
        return true;
    }

    public void Clear()
    {
        _values.Clear();
        _sorted = null;
    }

    /// <summary>Index of the first key ≥ <paramref name="key"/> (or &gt; it when <paramref name="after"/>).</summary>
    public int LowerBound(string key, bool after = false)
    {
        var index = Sorted().BinarySearch(key, Utf8KeyComparer.Instance);
        return index >= 0 ? (after ? index + 1 : index) : ~index;
    }

    public string KeyAt(int index) => Sorted()[index];

    public IEnumerable<KeyValuePair<string, StoredValue>> Entries()
    {
        foreach (var key in Sorted()) yield return new(key, _values[key]);
    }

    private List<string> Sorted()
    {
        if (_sorted is null)
        {
            _sorted = [.. _values.Keys];
            _sorted.Sort(Utf8KeyComparer.Instance);
        }
        return _sorted;
    }
}
