namespace Durable.Storage;

/// <summary>
/// A storage call broke one of the limits (key size, value size, keys per call). Nothing of the call was written.
/// <see cref="Code"/> is the error code of the HTTP error contract.
/// </summary>
public abstract class StorageLimitException(string code, string message) : ArgumentException(message)
{
    public string Code { get; } = code;
}

/// <summary>A key longer than <see cref="StorageLimits.MaxKeyBytes"/> UTF-8 bytes.</summary>
public sealed class KeyTooLargeException(string message) : StorageLimitException("key_too_large", message);

/// <summary>A value whose serialized form is longer than <see cref="StorageLimits.MaxValueBytes"/> bytes.</summary>
public sealed class ValueTooLargeException(string message) : StorageLimitException("value_too_large", message);

/// <summary>More than <see cref="StorageLimits.MaxKeysPerCall"/> keys in one get, put or delete.</summary>
public sealed class BatchTooLargeException(string message) : StorageLimitException("batch_too_large", message);
