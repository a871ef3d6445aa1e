namespace Durable.Internal;

internal sealed partial class Activation
{
    /// <summary>Admits an event; false when this activation is gone (the caller looks up the directory again).</summary>
    public bool TryEnqueue(ObjectEvent e)
    {
        bool schedule;
        lock (Sync)
        {
            if (_status is ActivationStatus.Deactivated or ActivationStatus.Broken) return false;
            if (_eventCount >= Runtime.Options.MaxQueuedEventsPerObject)
                throw new OverloadedException(
                    $"Object {Id} has {_eventCount} events queued, its limit (Durable:Objects:MaxQueuedEventsPerObject).", Id);
            Link(e);
            _nextToStart ??= e;
            schedule = !_scheduled && CanStartEvents();
            if (schedule) _scheduled = true;
        }
        if (!schedule) return true;
        // A caller outside any object runs the idle object's turn itself: no thread hop to start the event, and a
        // handler that completes synchronously hands its caller an already-completed task.
        if (Running is null) Execute();
        else ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return true;
    }

    public override void Post(SendOrPostCallback d, object? state)
    {
        bool schedule;
        lock (Sync)
        {
            if (_firstContinuation is null && _continuations is not { Count: > 0 })
            {
                _firstContinuation = d;
                _firstContinuationState = state;
            }
            else (_continuations ??= new()).Enqueue((d, state));
            schedule = !_scheduled;
            _scheduled = true;
        }
        if (schedule) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        if (Running != this)
            throw new NotSupportedException($"Synchronous Send into object {Id} from outside its turn would block; use Post.");
        d(state);
    }

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Schedules a dispatch when there is work that may run now and none is scheduled.</summary>
    public override void ScheduleIfRunnable()
    {
        bool schedule;
        lock (Sync)
        {
            schedule = !_scheduled && HasRunnableWork();
            if (schedule) _scheduled = true;
        }
        if (schedule) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>One dispatch: runs queued continuations and starts queued events, then ends the turn.</summary>
    public void Execute()
    {
        var previousContext = SynchronizationContext.Current;
        var previous = Enter();
        try
        {
            for (var i = 0; i < TurnBudget; i++)
            {
                (SendOrPostCallback Callback, object? State) work = default;
                ObjectEvent? start = null;
                lock (Sync)
                {
                    if (_firstContinuation is { } first)
                    {
                        work = (first, _firstContinuationState);
                        _firstContinuation = null;
                        _firstContinuationState = null;
                    }
                    else if (_continuations is { Count: > 0 } queue) work = queue.Dequeue();
                    else if (CanStartEvents() && _nextToStart is { } next)
                    {
                        start = next;
                        _nextToStart = next.Next;
                        next.Started = true;
                    }
                    else break;
                }
                if (start is not null) StartEvent(start);
                else RunContinuation(work.Callback!, work.State);
            }
            EndOfTurn();
        }
        finally
        {
            Leave(previous, previousContext);
        }

        bool again;
        lock (Sync)
        {
            again = HasRunnableWork();
            if (!again) _scheduled = false;
        }
        if (again) ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    private bool CanStartEvents() => _status == ActivationStatus.Active && InputGate.IsOpen;

    private bool HasContinuations => _firstContinuation is not null || _continuations is { Count: > 0 };

    private bool HasRunnableWork() => HasContinuations || (CanStartEvents() && _nextToStart is not null);

    private void StartEvent(ObjectEvent e)
    {
        if (e.IsCompleted)
        {
            // Its deadline passed while it waited; the caller already has its error.
            Finish(e);
            return;
        }
        _lastActive = Runtime.Time.GetTimestamp();
        _ = RunEventAsync(e);
    }

    private async Task RunEventAsync(ObjectEvent e)
    {
        try
        {
            await e.InvokeAsync(this);
        }
        catch (Exception error)
        {
            e.SetHandlerError(error);
            if (e.ErrorResetsObject && _status != ActivationStatus.Broken)
            {
                Log.Crashed(Runtime.Logger, Id, error);
                Break(new DurableObjectResetException($"Object {Id} was reset after its {e.Describe()} handler threw: {error.Message}", error, Id));
            }
        }
        if (_status == ActivationStatus.Broken) return;
        _lastActive = Runtime.Time.GetTimestamp();
        OutputGate.Hold(e);
    }

    private void RunContinuation(SendOrPostCallback callback, object? state)
    {
        try
        {
            callback(state);
        }
        catch (Exception error)
        {
            // Only code outside any event's task gets here (async void, raw Post): a crash of the object.
            Log.Crashed(Runtime.Logger, Id, error);
            Break(new DurableObjectResetException($"Object {Id} was reset after an unhandled exception: {error.Message}", error, Id));
        }
    }

    private void EndOfTurn()
    {
        if (_outputGate is not null && _storage?.InTransaction != true && _status != ActivationStatus.Broken)
            _outputGate.Seal();
    }

    /// <summary>Gives the caller the event's outcome and forgets the event.</summary>
    public override void Deliver(ObjectEvent e)
    {
        Finish(e);
        e.Deliver();
    }

    private void Finish(ObjectEvent e)
    {
        lock (Sync)
        {
            if (!Unlink(e)) return;
        }
        Runtime.EventFinished();
    }

    private void Link(ObjectEvent e)
    {
        e.Previous = _tail;
        if (_tail is null) _head = e;
        else _tail.Next = e;
        _tail = e;
        e.Linked = true;
        _eventCount++;
    }

    private bool Unlink(ObjectEvent e)
    {
        if (!e.Linked) return false;
        if (e.Previous is null) _head = e.Next;
        else e.Previous.Next = e.Next;
        if (e.Next is null) _tail = e.Previous;
        else e.Next.Previous = e.Previous;
        if (_nextToStart == e) _nextToStart = e.Next;
        e.Previous = e.Next = null;
        e.Linked = false;
        _eventCount--;
        return true;
    }
}
