namespace Durable.Storage;

/// <summary>
/// Another writer already committed the sequence number this commit expected to write: two activations of one
/// object existed. The losing activation must reset and recover from storage.
/// </summary>
public sealed class StorageConflictException(ObjectKey key, long seq)
    : Exception($"Object {key}: journal event {seq} was already written by another activation.")
{
    public ObjectKey Key { get; } = key;

    public long Seq { get; } = seq;
}
