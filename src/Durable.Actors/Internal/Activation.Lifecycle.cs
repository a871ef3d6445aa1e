using Durable.Storage;

namespace Durable.Internal;

internal sealed partial class Activation
{
    /// <summary>Starts loading the object's state, once, from the thread that created the activation.</summary>
    public void StartIfNew()
    {
        if (Interlocked.Exchange(ref _startClaimed, 1) == 0)
            Post(static self => _ = ((Activation)self!).LoadAsync(), this);
    }

    private async Task LoadAsync()
    {
        ObjectData data;
        try
        {
            data = await Runtime.Storage.LoadAsync(Key, CancellationToken.None);
        }
        catch (Exception error)
        {
            Log.LoadFailed(Runtime.Logger, Id, error);
            Break(new DurableObjectResetException($"Object {Id} could not load its state: {error.Message}", error, Id), failQueued: true);
            return;
        }

        _storage = new DurableObjectStorage(this, data);
        _outputGate = new OutputGate(this, data.Seq);
        var state = new DurableObjectState(this, _storage);
        try
        {
            _instance = Namespace.Create(Runtime.Services, state);
        }
        catch (Exception error)
        {
            var cause = error is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : error;
            Log.InstantiationFailed(Runtime.Logger, Id, cause);
            Break(new InstantiationFailedException($"Object {Id} ({Namespace.Type.Name}) could not be constructed: {cause.Message}", cause, Id), failQueued: true);
            return;
        }
        lock (Sync) Transition(ActivationStatus.Active);
        Runtime.Metrics.Activated();
        Log.Activated(Runtime.Logger, Id, data.Seq);
    }

    /// <summary>
    /// Resets the activation: it leaves the directory, its started events fail with <paramref name="reason"/>, and its
    /// queued events go to a fresh activation (or fail too, when <paramref name="failQueued"/>: the instance could
    /// not even be made). Runs inside the turn.
    /// </summary>
    public override void Break(DurableObjectException reason) => Break(reason, failQueued: false);

    public void Break(DurableObjectException reason, bool failQueued)
    {
        var started = new List<ObjectEvent>();
        var queued = new List<ObjectEvent>();
        lock (Sync)
        {
            if (_status is ActivationStatus.Broken or ActivationStatus.Deactivated) return;
            Transition(ActivationStatus.Broken);
            while (_head is { } e)
            {
                (e.Started ? started : queued).Add(e);
                Unlink(e);
            }
        }
        Runtime.Remove(this);
        Runtime.Storage.Release(Key);
        Runtime.Metrics.Reset();
        Log.Reset(Runtime.Logger, Id, reason.Message);
        foreach (var e in started)
        {
            e.TryFail(reason);
            Runtime.EventFinished();
        }
        foreach (var e in queued)
        {
            if (failQueued)
            {
                e.TryFail(reason);
                Runtime.EventFinished();
            }
            else Runtime.Redispatch(e);
        }
    }

    /// <summary>A cheap, lock-free guess for the collector; <see cref="TryPassivate"/> checks again in the turn.</summary>
    public bool LooksIdle(long cutoff) =>
        _status == ActivationStatus.Active && Volatile.Read(ref _eventCount) == 0 && Volatile.Read(ref _lastActive) <= cutoff;

    /// <summary>Passivates the activation if it is still idle; completes with whether it did.</summary>
    public Task<bool> RequestPassivation(long cutoff, bool force = false)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(_ => done.TrySetResult(TryPassivate(cutoff, force)), null);
        return done.Task;
    }

    private bool TryPassivate(long cutoff, bool force)
    {
        lock (Sync)
        {
            if (_status != ActivationStatus.Active || _head is not null || HasContinuations) return false;
            if (!InputGate.IsOpen || !OutputGate.IsIdle || _waitUntilCount > 0) return false;
            if (!force && _lastActive > cutoff) return false;
            Transition(ActivationStatus.Deactivated);
        }
        Runtime.Remove(this);
        Runtime.Storage.Release(Key);
        Runtime.Metrics.Passivated();
        Log.Passivated(Runtime.Logger, Id);
        return true;
    }

    /// <summary>Fails the events that arrived at or before <paramref name="cutoff"/> and are still unanswered.</summary>
    public void ExpireEvents(long cutoff)
    {
        List<ObjectEvent>? expired = null;
        lock (Sync)
        {
            for (var e = _head; e is not null && e.ArrivedAt <= cutoff; e = e.Next)
                if (!e.IsCompleted) (expired ??= []).Add(e);
        }
        if (expired is null) return;
        foreach (var e in expired)
        {
            var error = new DeadlineExceededException(
                $"{e.Describe()} to object {Id} did not finish within {Runtime.Options.EventDeadline.TotalSeconds:0.###} s.", Id);
            if (e.TryFail(error))
            {
                Runtime.Metrics.DeadlineExceeded();
                Log.DeadlineExceeded(Runtime.Logger, Id, e.Describe());
            }
        }
    }

    public override async Task<T> BlockConcurrencyWhileAsync<T>(Func<Task<T>> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (Running != this)
            throw new InvalidOperationException($"BlockConcurrencyWhileAsync of object {Id} was called outside the object's turn.");
        InputGate.Lock();
        var locked = true;
        try
        {
            return await callback().WaitAsync(Runtime.Options.BlockConcurrencyTimeout, Runtime.Time);
        }
        catch (Exception error)
        {
            // Cloudflare's rule: a failed or timed-out critical section resets the object.
            locked = false;
            var message = error is TimeoutException
                ? $"Object {Id} was reset: BlockConcurrencyWhileAsync ran longer than {Runtime.Options.BlockConcurrencyTimeout.TotalSeconds:0.###} s."
                : $"Object {Id} was reset: its BlockConcurrencyWhileAsync callback threw: {error.Message}";
            Break(new DurableObjectResetException(message, error, Id));
            throw;
        }
        finally
        {
            if (locked) InputGate.Unlock();
        }
    }

    public override void WaitUntil(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        lock (Sync) _waitUntilCount++;
        _ = TrackAsync(task);
    }

    private async Task TrackAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception error)
        {
            Log.WaitUntilFailed(Runtime.Logger, Id, error);
        }
        finally
        {
            lock (Sync) _waitUntilCount--;
            _lastActive = Runtime.Time.GetTimestamp();
        }
    }

    /// <summary>At shutdown: waits for pending commits, then passivates (when nothing else is running).</summary>
    public async Task<bool> DeactivateAsync()
    {
        var done = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(_ => done.TrySetResult(_outputGate?.WhenDurableAsync() ?? Task.CompletedTask), null);
        try
        {
            await await done.Task;
        }
        catch (DurableObjectException)
        {
            return false;
        }
        return await RequestPassivation(long.MaxValue, force: true);
    }
}
