namespace Durable.Storage;

/// <summary>How a stored value's bytes are to be read.</summary>
public enum StoredValueKind : byte
{
    /// <summary>UTF-8 JSON written by System.Text.Json.</summary>
    Json = 0,

    /// <summary>Raw bytes stored as given.</summary>
    Bytes = 1,
}

/// <summary>One value as it is kept in the cache and in the journal.</summary>
public readonly record struct StoredValue(StoredValueKind Kind, byte[] Data);
