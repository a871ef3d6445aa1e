using Durable.Storage;
using Microsoft.Extensions.Logging;

namespace Durable.Internal;

/// <summary>
/// The node's alarm scheduler. What it promises:
/// <list type="bullet">
/// <item>Every committed alarm fires at or after its time, at least once: the scheduler learns alarms from the store's
/// index at start (so alarms due while the node was down fire at once) and from each durable commit afterwards; an alarm
/// written in a commit that failed is never seen.</item>
/// <item>One timer for the whole node, armed for the earliest due alarm: no polling, no timer per object.</item>
/// <item>A handler that throws is retried with exponential backoff (2 s, doubling) up to
/// <see cref="MaxRetries"/> times, then dropped with an error log and a metric. A new set or delete of the alarm
/// supersedes pending retries.</item>
/// </list>
/// </summary>
internal sealed partial class AlarmScheduler(ObjectRuntime runtime)
{
    public const int MaxRetries = 6;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan OverloadRetryDelay = TimeSpan.FromSeconds(1);

    private readonly Lock _sync = new();
    private readonly Dictionary<DurableObjectId, Entry> _entries = [];
    private readonly PriorityQueue<(DurableObjectId Id, long Version), DateTimeOffset> _queue = new();
    private readonly HashSet<Task> _running = [];
    private ITimer? _timer;
    private long _versions;
    private bool _stopped;

    public int Count
    {
        get { lock (_sync) return _entries.Count; }
    }

    /// <summary>Loads the store's alarm index and schedules the alarms of the objects this node serves
    /// (<paramref name="servedHere"/>; in a cluster, none until shards are acquired).</summary>
    public async Task StartAsync(Func<ObjectKey, DurableObjectId?> resolve, Func<ObjectKey, bool> servedHere, CancellationToken cancellationToken)
    {
        _timer = runtime.Time.CreateTimer(static s => ((AlarmScheduler)s!).FireDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        await AdoptAsync(resolve, servedHere, cancellationToken);
    }

    /// <summary>Schedules the stored alarms <paramref name="adopt"/> selects (objects of a shard this node just acquired);
    /// an alarm already known with a newer commit keeps the newer entry.</summary>
    public async Task AdoptAsync(Func<ObjectKey, DurableObjectId?> resolve, Func<ObjectKey, bool> adopt, CancellationToken cancellationToken)
    {
        var alarms = await runtime.Storage.LoadAlarmsAsync(cancellationToken);
        lock (_sync)
        {
            foreach (var alarm in alarms)
                if (adopt(alarm.Key) && resolve(alarm.Key) is { } id && !_entries.ContainsKey(id))
                    Schedule(id, alarm.Due, alarm.Due, retryCount: 0);
        }
        Rearm();
    }

    /// <summary>Drops the alarms of objects this node no longer serves; their new owner fires them.</summary>
    public void Forget(Func<DurableObjectId, bool> forget)
    {
        lock (_sync)
        {
            foreach (var id in _entries.Keys.Where(forget).ToList()) _entries.Remove(id);
        }
        Rearm();
    }

    /// <summary>Called when a commit that changed an object's alarm is durable.</summary>
    public void OnCommitted(DurableObjectId id, DateTimeOffset? due)
    {
        lock (_sync)
        {
            if (due is { } time) Schedule(id, time, time, retryCount: 0);
            else _entries.Remove(id);
        }
        Rearm();
    }

    /// <summary>Completes when every alarm fired so far has finished (handler, commit and any retry bookkeeping).</summary>
    public Task WhenIdleAsync()
    {
        lock (_sync) return Task.WhenAll(_running.ToArray());
    }

    public async Task StopAsync()
    {
        lock (_sync) _stopped = true;
        if (_timer is { } timer) await timer.DisposeAsync();
    }

    // Caller holds _sync. Due is when the alarm was set for (what the object stores); fireAt is when to run it next.
    private void Schedule(DurableObjectId id, DateTimeOffset due, DateTimeOffset fireAt, int retryCount)
    {
        var entry = new Entry(due, retryCount, ++_versions);
        _entries[id] = entry;
        _queue.Enqueue((id, entry.Version), fireAt);
    }

    private void FireDue()
    {
        var now = runtime.Time.GetUtcNow();
        var due = new List<(DurableObjectId Id, Entry Entry)>();
        lock (_sync)
        {
            if (_stopped) return;
            while (_queue.TryPeek(out var item, out var fireAt) && fireAt <= now)
            {
                _queue.Dequeue();
                if (_entries.TryGetValue(item.Id, out var entry) && entry.Version == item.Version) due.Add((item.Id, entry));
            }
        }
        foreach (var (id, entry) in due) Fire(id, entry, now);
        Rearm();
    }

    private void Fire(DurableObjectId id, Entry entry, DateTimeOffset now)
    {
        runtime.Metrics.AlarmFired(now - entry.Due, entry.RetryCount > 0);
        Task<bool> run;
        try
        {
            run = runtime.FireAlarm(id, entry.Due, entry.RetryCount);
        }
        catch (Exception error)
        {
            run = Task.FromException<bool>(error);
        }
        var tracked = run.ContinueWith(
            static (t, s) => ((AlarmScheduler)((object[])s!)[0]).Finished(t, (DurableObjectId)((object[])s)[1], (Entry)((object[])s)[2], (DateTimeOffset)((object[])s)[3]),
            new object[] { this, id, entry, now }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        lock (_sync) _running.Add(tracked);
        tracked.ContinueWith(static (t, s) =>
        {
            var self = (AlarmScheduler)s!;
            lock (self._sync) self._running.Remove(t);
        }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Finished(Task<bool> run, DurableObjectId id, Entry entry, DateTimeOffset firedAt)
    {
        if (run.IsCompletedSuccessfully) return;
        var error = run.Exception?.GetBaseException() ?? new OperationCanceledException();
        lock (_sync)
        {
            // A newer set or delete of the alarm (or a commit of the handler's own) wins over a retry.
            if (_stopped || !_entries.TryGetValue(id, out var current) || current.Version != entry.Version) return;
            if (error is ShardMovedException)
            {
                // The shard left this node between scheduling and firing; its new owner loads the alarm.
                _entries.Remove(id);
            }
            else if (error is OverloadedException)
            {
                Schedule(id, entry.Due, firedAt + OverloadRetryDelay, entry.RetryCount);
            }
            else if (entry.RetryCount >= MaxRetries)
            {
                _entries.Remove(id);
                runtime.Metrics.AlarmDropped();
                Log.AlarmDropped(runtime.Logger, id, entry.Due, entry.RetryCount + 1, error);
            }
            else
            {
                var delay = FirstRetryDelay * (1 << entry.RetryCount);
                Schedule(id, entry.Due, firedAt + delay, entry.RetryCount + 1);
                Log.AlarmRetrying(runtime.Logger, id, entry.RetryCount + 1, delay.TotalSeconds, error.Message);
            }
        }
        Rearm();
    }

    private void Rearm()
    {
        if (_timer is not { } timer) return;
        TimeSpan wait;
        lock (_sync)
        {
            if (_stopped) return;
            while (_queue.TryPeek(out var item, out _) &&
                   (!_entries.TryGetValue(item.Id, out var entry) || entry.Version != item.Version))
                _queue.Dequeue();
            if (!_queue.TryPeek(out _, out var next))
            {
                timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                return;
            }
            wait = next - runtime.Time.GetUtcNow();
            if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
            timer.Change(wait, Timeout.InfiniteTimeSpan);
        }
    }

    private sealed record Entry(DateTimeOffset Due, int RetryCount, long Version);

    private static partial class Log
    {
        [LoggerMessage(LogEventIds.AlarmRetrying, LogLevel.Warning, "Object {ObjectId}: alarm handler failed; retry {Retry} in {DelaySeconds} s: {Reason}")]
        public static partial void AlarmRetrying(ILogger logger, DurableObjectId objectId, int retry, double delaySeconds, string reason);

        [LoggerMessage(LogEventIds.AlarmDropped, LogLevel.Error, "Object {ObjectId}: alarm due {Due} dropped after {Attempts} failed attempts")]
        public static partial void AlarmDropped(ILogger logger, DurableObjectId objectId, DateTimeOffset due, int attempts, Exception error);
    }
}
