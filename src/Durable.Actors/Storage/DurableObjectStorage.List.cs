namespace Durable.Storage;

public sealed partial class DurableObjectStorage
{
    /// <summary>The entries in the range <paramref name="options"/> selects, in key order (or reversed).</summary>
    public ValueTask<IReadOnlyDictionary<string, T?>> ListAsync<T>(ListOptions? options = null)
    {
        Enter();
        options ??= new ListOptions();
        if (options.Start is not null && options.StartAfter is not null)
            throw new ArgumentException("Start and StartAfter cannot both be given.", nameof(options));
        if (options.Limit is <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.Limit, "Limit must be positive.");

        var entries = _data.Entries;
        var low = 0;
        if (options.Start is not null) low = entries.LowerBound(options.Start);
        else if (options.StartAfter is not null) low = entries.LowerBound(options.StartAfter, after: true);
        if (options.Prefix is { Length: > 0 } prefix) low = Math.Max(low, entries.LowerBound(prefix));
        var high = options.End is null ? entries.Count : entries.LowerBound(options.End);
        if (options.Prefix is { Length: > 0 })
        {
            // Keys sharing the prefix are contiguous from its lower bound.
            var end = low;
            while (end < high && entries.KeyAt(end).StartsWith(options.Prefix, StringComparison.Ordinal)) end++;
            high = end;
        }

        var limit = options.Limit ?? int.MaxValue;
        var result = new OrderedDictionary<string, T?>(StringComparer.Ordinal);
        if (options.Reverse)
            for (var i = high - 1; i >= low && result.Count < limit; i--) Add(entries.KeyAt(i));
        else
            for (var i = low; i < high && result.Count < limit; i++) Add(entries.KeyAt(i));
        return ValueTask.FromResult<IReadOnlyDictionary<string, T?>>(result);

        void Add(string key)
        {
            entries.TryGet(key, out var value);
            result.Add(key, Decode<T>(key, value));
        }
    }
}
