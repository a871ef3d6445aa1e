namespace Durable.Storage.Journal;

/// <summary>One append waiting for the writer loop: the row to insert and the caller's completion.</summary>
internal sealed class PendingAppend(ObjectKey key, long seq, long time, byte[] payload, WriteBatch batch)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ObjectKey Key { get; } = key;

    /// <summary>The key as stored in the object_key column.</summary>
    public string KeyText { get; } = key.ToString();

    public long Seq { get; } = seq;

    /// <summary>Commit time, µs since the Unix epoch.</summary>
    public long Time { get; } = time;

    public byte[] Payload { get; } = payload;

    /// <summary>True when the event changes the object's alarm; the alarm index must change with it.</summary>
    public bool AlarmChanged { get; } = batch.AlarmChanged;

    /// <summary>The alarm's new due time, µs since the Unix epoch, or null when the event deletes it.</summary>
    public long? AlarmDue { get; } = batch.Alarm is { } due ? TimeCodec.ToMicros(due) : null;

    /// <summary>The lease the append is fenced by, when the provider has a fence.</summary>
    public JournalFenceToken? Fence { get; init; }

    /// <summary>Set by the commit: true when this event's row was inserted, false when its (object, seq) was taken.</summary>
    public bool Inserted { get; set; }

    /// <summary>Set by the commit when the row was not inserted because the fence's lease was not valid.</summary>
    public bool Fenced { get; set; }

    public Task Task => _done.Task;

    public void Complete() => _done.TrySetResult();

    public void Fail(Exception error) => _done.TrySetException(error);
}
