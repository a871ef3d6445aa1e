namespace Durable.Storage;

/// <summary>
/// The state of one object as the fold of its journal: <c>Apply</c> of events 1..Seq in order.
/// Recovery (snapshot + tail) and the runtime's cache both go through <see cref="Apply"/>, so they cannot disagree.
/// </summary>
public sealed class ObjectData
{
    public ObjectData(ObjectKey key) => Key = key;

    public ObjectKey Key { get; }

    /// <summary>The sequence number of the last applied event; 0 for an object that never committed.</summary>
    public long Seq { get; private set; }

    public KeyMap Entries { get; } = new();

    public DateTimeOffset? Alarm { get; private set; }

    /// <summary>The commit time of event <see cref="Seq"/> (the Unix epoch at seq 0).</summary>
    public DateTimeOffset Time { get; private set; } = DateTimeOffset.UnixEpoch;

    /// <summary>Where this fold stands in the object's history.</summary>
    public JournalPosition Position => new(Seq, Time);

    /// <summary>Applies the next event; throws when it is not the next one.</summary>
    public void Apply(JournalEvent e)
    {
        if (e.Seq != Seq + 1)
            throw new InvalidDataException($"Object {Key}: journal event {e.Seq} cannot follow event {Seq}.");
        ApplyBatch(e.Batch);
        Seq = e.Seq;
        Time = e.Time;
    }

    /// <summary>Loads a snapshot taken at <paramref name="seq"/>; only valid on an empty fold.</summary>
    public void Restore(long seq, IEnumerable<KeyValuePair<string, StoredValue>> entries, DateTimeOffset? alarm) =>
        Restore(seq, DateTimeOffset.UnixEpoch, entries, alarm);

    /// <summary>Loads a snapshot of the state after event <paramref name="seq"/>, committed at <paramref name="time"/>.</summary>
    public void Restore(long seq, DateTimeOffset time, IEnumerable<KeyValuePair<string, StoredValue>> entries, DateTimeOffset? alarm)
    {
        if (Seq != 0 || Entries.Count != 0)
            throw new InvalidOperationException($"Object {Key}: a snapshot can only start an empty fold (at seq {Seq}).");
        foreach (var (key, value) in entries) Entries.Set(key, value);
        Alarm = alarm;
        Seq = seq;
        Time = time;
    }

    internal void ApplyBatch(WriteBatch batch)
    {
        if (batch.DeleteAll)
        {
            Entries.Clear();
            Alarm = null;
        }
        foreach (var (key, value) in batch.Writes)
        {
            if (value is { } v) Entries.Set(key, v);
            else Entries.Remove(key);
        }
        if (batch.AlarmChanged) Alarm = batch.Alarm;
    }

    internal void SetAlarm(DateTimeOffset? alarm) => Alarm = alarm;
}
