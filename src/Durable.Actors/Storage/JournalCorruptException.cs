namespace Durable.Storage;

/// <summary>
/// A stored journal event or snapshot could not be read: its bytes are damaged, or it was written in a format this
/// version does not know. Recovery stops here rather than skip it, because skipping would silently lose writes.
/// </summary>
public sealed class JournalCorruptException(ObjectKey key, long seq, string part, string reason, Exception? inner = null)
    : Exception($"Object {key}: the {part} at seq {seq} cannot be read ({reason}). Recovery of the object stops here; restore the database or repair the row.", inner)
{
    public ObjectKey Key { get; } = key;

    public long Seq { get; } = seq;
}
