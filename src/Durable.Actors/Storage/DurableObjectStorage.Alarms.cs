namespace Durable.Storage;

public sealed partial class DurableObjectStorage
{
    private bool _alarmRunning;
    private bool _alarmTouched;

    /// <summary>
    /// The time the object's alarm is set for, or null. While the alarm's handler runs it reads null (the alarm is
    /// considered used), unless the handler sets a new one.
    /// </summary>
    public ValueTask<DateTimeOffset?> GetAlarmAsync()
    {
        Enter();
        return ValueTask.FromResult(_data.Alarm);
    }

    /// <summary>
    /// Sets the object's one alarm, replacing any earlier one, atomically with the turn's other writes. A time in the
    /// past fires as soon as the write is durable. The alarm runs <see cref="DurableObject.AlarmAsync"/> at or after it.
    /// Alarm times have millisecond precision (finer parts are dropped), like Cloudflare's.
    /// </summary>
    public ValueTask SetAlarmAsync(DateTimeOffset time)
    {
        Enter();
        // Every store keeps the same millisecond value, so the scheduler's due time always equals the stored one.
        ChangeAlarm(DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds()));
        return ValueTask.CompletedTask;
    }

    /// <summary>Cancels the object's alarm, including a pending retry.</summary>
    public ValueTask DeleteAlarmAsync()
    {
        Enter();
        ChangeAlarm(null);
        return ValueTask.CompletedTask;
    }

    private void ChangeAlarm(DateTimeOffset? time)
    {
        _data.SetAlarm(time);
        _activation.OutputGate.OpenBatch.SetAlarm(time);
        if (_alarmRunning) _alarmTouched = true;
    }

    /// <summary>
    /// Starts running the alarm that was due at <paramref name="due"/>: false when the object's alarm has changed since
    /// (the event is stale and the handler must not run). Until <see cref="EndAlarm"/>, reads see no alarm.
    /// </summary>
    internal bool BeginAlarm(DateTimeOffset due)
    {
        // The alarm index keeps microseconds and the journal keeps ticks: an alarm adopted from the index (after a
        // restart, or by a shard's new owner) is the same alarm if it agrees to the microsecond.
        if (_data.Alarm is not { } alarm || Journal.TimeCodec.ToMicros(alarm) != Journal.TimeCodec.ToMicros(due)) return false;
        _data.SetAlarm(null);
        _alarmRunning = true;
        _alarmTouched = false;
        return true;
    }

    /// <summary>
    /// Ends a successful alarm run: the used alarm is cleared durably with the handler's writes, unless the handler
    /// set or deleted the alarm itself.
    /// </summary>
    internal void EndAlarm(bool succeeded, DateTimeOffset due)
    {
        _alarmRunning = false;
        if (_alarmTouched) return;
        if (succeeded) _activation.OutputGate.OpenBatch.SetAlarm(null);
        else _data.SetAlarm(due);
    }
}
