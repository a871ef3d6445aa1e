using System.Text;
using System.Text.Json;
using Durable.Internal;

namespace Durable.Storage;

/// <summary>
/// An object's private transactional key-value store (Cloudflare's KV API). Reads are served from the object's
/// in-memory copy of its state; writes apply to that copy at once and are committed as one atomic batch per turn, and
/// the output gate holds the object's responses until that batch is durable. Every call must be made inside the
/// object's own turn. Each call is atomic: a call that breaks a limit throws before writing anything.
/// </summary>
public sealed partial class DurableObjectStorage
{
    private readonly ObjectContext _activation;
    private ObjectData _data;
    private DurableObjectTransaction? _transaction;

    internal DurableObjectStorage(ObjectContext activation, ObjectData data)
    {
        _activation = activation;
        _data = data;
    }

    internal ObjectData Data => _data;

    internal bool InTransaction => _transaction is not null;

    private JsonSerializerOptions Json => _activation.JsonOptions;

    public ValueTask<T?> GetAsync<T>(string key)
    {
        Enter();
        CheckKey(key);
        return ValueTask.FromResult(_data.Entries.TryGet(key, out var value) ? Decode<T>(key, value) : default);
    }

    /// <summary>The values of the keys that exist, in key order. At most 128 keys.</summary>
    public ValueTask<IReadOnlyDictionary<string, T?>> GetAsync<T>(IEnumerable<string> keys)
    {
        Enter();
        var list = CheckKeys(keys);
        list.Sort(Utf8KeyComparer.Instance);
        var result = new OrderedDictionary<string, T?>(list.Count, StringComparer.Ordinal);
        foreach (var key in list)
            if (!result.ContainsKey(key) && _data.Entries.TryGet(key, out var value))
                result.Add(key, Decode<T>(key, value));
        return ValueTask.FromResult<IReadOnlyDictionary<string, T?>>(result);
    }

    public ValueTask PutAsync<T>(string key, T value)
    {
        Enter();
        CheckKey(key);
        Write(key, Encode(key, value));
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes all entries atomically. At most 128 entries.</summary>
    public ValueTask PutAsync<T>(IEnumerable<KeyValuePair<string, T>> entries)
    {
        Enter();
        var encoded = new List<KeyValuePair<string, StoredValue>>();
        foreach (var (key, value) in entries)
        {
            if (encoded.Count == StorageLimits.MaxKeysPerCall)
                throw new BatchTooLargeException($"A put takes at most {StorageLimits.MaxKeysPerCall} entries.");
            CheckKey(key);
            encoded.Add(new(key, Encode(key, value)));
        }
        foreach (var (key, value) in encoded) Write(key, value);
        return ValueTask.CompletedTask;
    }

    /// <summary>Deletes a key; true when it existed.</summary>
    public ValueTask<bool> DeleteAsync(string key)
    {
        Enter();
        CheckKey(key);
        return ValueTask.FromResult(Remove(key));
    }

    /// <summary>Deletes keys atomically; returns how many existed. At most 128 keys.</summary>
    public ValueTask<int> DeleteAsync(IEnumerable<string> keys)
    {
        Enter();
        var count = 0;
        foreach (var key in CheckKeys(keys))
            if (Remove(key)) count++;
        return ValueTask.FromResult(count);
    }

    /// <summary>Deletes every key and the alarm, atomically.</summary>
    public ValueTask DeleteAllAsync()
    {
        Enter();
        if (_transaction is not null)
            throw new InvalidOperationException("DeleteAllAsync cannot be called inside a transaction.");
        _data.Entries.Clear();
        _data.SetAlarm(null);
        _activation.OutputGate.OpenBatch.Clear();
        if (_alarmRunning) _alarmTouched = true;
        return ValueTask.CompletedTask;
    }

    /// <summary>Completes when every write made so far is durable.</summary>
    public Task SyncAsync()
    {
        Enter();
        return _activation.OutputGate.WhenDurableAsync();
    }

    private void Write(string key, StoredValue value)
    {
        _transaction?.Remember(key, _data.Entries);
        _data.Entries.Set(key, value);
        _activation.OutputGate.OpenBatch.Put(key, value);
    }

    private bool Remove(string key)
    {
        _transaction?.Remember(key, _data.Entries);
        if (!_data.Entries.Remove(key)) return false;
        _activation.OutputGate.OpenBatch.Delete(key);
        return true;
    }

    private void Enter() => _activation.EnterStorage();

    private static void CheckKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(key);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException("A key must be valid Unicode (it has an unpaired surrogate).", nameof(key));
        }
        if (bytes > StorageLimits.MaxKeyBytes)
            throw new KeyTooLargeException($"A key is at most {StorageLimits.MaxKeyBytes} UTF-8 bytes; this one has {bytes}.");
    }

    private static List<string> CheckKeys(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var list = new List<string>();
        foreach (var key in keys)
        {
            if (list.Count == StorageLimits.MaxKeysPerCall)
                throw new BatchTooLargeException($"One call takes at most {StorageLimits.MaxKeysPerCall} keys.");
            CheckKey(key);
            list.Add(key);
        }
        return list;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private StoredValue Encode<T>(string key, T value)
    {
        var stored = value is byte[] bytes
            ? new StoredValue(StoredValueKind.Bytes, bytes.ToArray())
            : new StoredValue(StoredValueKind.Json, JsonSerializer.SerializeToUtf8Bytes(value, Json));
        if (stored.Data.Length > StorageLimits.MaxValueBytes)
            throw new ValueTooLargeException(
                $"A value is at most {StorageLimits.MaxValueBytes} bytes serialized; the value for key '{Shorten(key)}' has {stored.Data.Length}.");
        return stored;
    }

    private T? Decode<T>(string key, StoredValue value)
    {
        if (value.Kind == StoredValueKind.Bytes)
        {
            if (typeof(T) == typeof(byte[]) || typeof(T) == typeof(object)) return (T)(object)value.Data.ToArray();
            throw new InvalidOperationException($"The value of key '{Shorten(key)}' is raw bytes; read it as byte[].");
        }
        return JsonSerializer.Deserialize<T>(value.Data, Json);
    }

    private static string Shorten(string key) => key.Length <= 64 ? key : string.Concat(key.AsSpan(0, 61), "...");
}
