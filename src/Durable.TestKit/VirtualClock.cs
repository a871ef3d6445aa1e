namespace Durable.TestKit;

/// <summary>
/// A <see cref="TimeProvider"/> whose time moves only when a test calls <see cref="Advance"/>. Timers (idle
/// passivation, deadlines, alarms, WaitAsync timeouts) fire inside <see cref="Advance"/>, in due-time order, on the
/// calling thread, each seeing the clock at its own due time.
/// </summary>
public sealed class VirtualClock : TimeProvider
{
    private readonly Lock _sync = new();
    private readonly List<VirtualTimer> _timers = [];
    private readonly DateTimeOffset _start;
    private TimeSpan _elapsed;

    public VirtualClock(DateTimeOffset? start = null) => _start = start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_sync) return _start + _elapsed;
    }

    public override long GetTimestamp()
    {
        lock (_sync) return _elapsed.Ticks;
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>How many timers are waiting to fire.</summary>
    public int PendingTimers
    {
        get { lock (_sync) return _timers.Count(t => t.DueAt is not null); }
    }

    /// <summary>True when some timer is due now (it was armed for a time the clock has already passed).</summary>
    public bool HasDueTimers
    {
        get { lock (_sync) return _timers.Any(t => t.DueAt <= _elapsed); }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(this, callback, state);
        lock (_sync) _timers.Add(timer);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves time forward by <paramref name="by"/>, firing every timer that comes due on the way.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        TimeSpan target;
        lock (_sync) target = _elapsed + by;
        while (true)
        {
            VirtualTimer? due;
            lock (_sync)
            {
                due = _timers.Where(t => t.DueAt <= target).MinBy(t => t.DueAt);
                if (due is null)
                {
                    _elapsed = target;
                    return;
                }
                _elapsed = due.DueAt!.Value;
                due.DueAt = due.Period > TimeSpan.Zero ? _elapsed + due.Period : null;
            }
            due.Fire();
        }
    }

    private sealed class VirtualTimer(VirtualClock clock, TimerCallback callback, object? state) : ITimer
    {
        public TimeSpan? DueAt { get; set; }

        public TimeSpan Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._sync)
            {
                if (!clock._timers.Contains(this)) return false;
                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : clock._elapsed + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
            }
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (clock._sync) clock._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
