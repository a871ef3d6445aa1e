namespace Durable.Storage;

/// <summary>A point in an object's history: the state after event <see cref="Seq"/>, committed at <see cref="Time"/>.
/// Seq 0 is the empty state before the first event.</summary>
public readonly record struct JournalPosition(long Seq, DateTimeOffset Time)
{
    public static readonly JournalPosition Start = new(0, DateTimeOffset.UnixEpoch);
}
