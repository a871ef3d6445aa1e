using System.Text.Json;
using Durable.Storage;

namespace Durable.Internal;

/// <summary>
/// What an object's state, storage and events need from whichever runtime hosts the object: the turn's
/// <see cref="SynchronizationContext"/> (every await inside the object's code resumes here, one at a time), the input
/// gate, the output gate and the object's history. The object's code runs only while its context is
/// <see cref="Running"/> on the current thread.
/// </summary>
internal abstract class ObjectContext : SynchronizationContext
{
    [ThreadStatic]
    private static ObjectContext? t_running;

    /// <summary>The object whose turn is running on this thread, if any.</summary>
    public static ObjectContext? Running => t_running;

    public abstract DurableObjectId Id { get; }

    /// <summary>The name the object was reached by, when it was reached through a name.</summary>
    public abstract string? Name { get; }

    public ObjectKey Key => ObjectKey.For(Id);

    public abstract JsonSerializerOptions JsonOptions { get; }

    public abstract DurableObject? Instance { get; }

    public abstract DurableObjectStorage? Storage { get; }

    /// <summary>True once the object was reset: its started events have failed and its instance is finished.</summary>
    public abstract bool IsBroken { get; }

    /// <summary>The sockets and channel subscribers that end at this node; they outlive the object's activations.</summary>
    public abstract SocketRegistry Sockets { get; }

    public abstract DurableMetrics Metrics { get; }

    public abstract TimeProvider Time { get; }

    public abstract OutputGate OutputGate { get; }

    /// <summary>Holds a socket frame sent in this turn behind the turn's writes; false when it may go out now.</summary>
    public bool TryHoldOutput(IHeldOutput output) => IsStarted && OutputGate.TryHold(output);

    /// <summary>True once the object's state is loaded and its output gate exists.</summary>
    protected abstract bool IsStarted { get; }

    /// <summary>Closes the input gate: no new event starts until every lock is released.</summary>
    public abstract void LockInput();

    public abstract void UnlockInput();

    /// <summary>Throws unless called from this object's own turn on a live instance.</summary>
    public void EnterStorage()
    {
        if (t_running != this)
            throw new InvalidOperationException(
                $"The storage of object {Id} was used outside the object's turn (from another thread, or after ConfigureAwait(false)).");
        if (IsBroken)
            throw new DurableObjectResetException($"Object {Id} was reset; this instance can no longer use storage.", null, Id);
    }

    public abstract Task<T> BlockConcurrencyWhileAsync<T>(Func<Task<T>> callback);

    public abstract void WaitUntil(Task task);

    /// <summary>Gives the caller the event's outcome and forgets the event (called by the output gate).</summary>
    public abstract void Deliver(ObjectEvent e);

    /// <summary>Resets the object: its started events fail with <paramref name="reason"/>; the next event meets a fresh instance.</summary>
    public abstract void Break(DurableObjectException reason);

    /// <summary>
    /// Appends one sealed batch to the object's journal as event <paramref name="journalEvent"/>. Exactly one of the
    /// callbacks runs, inside the object's turn: <paramref name="committed"/> once it is durable, <paramref name="failed"/>
    /// when it was refused or its outcome is unknown.
    /// </summary>
    public abstract void Append(JournalEvent journalEvent, Action committed, Action<Exception> failed);

    /// <summary>Work may have become runnable (a commit finished, a gate opened).</summary>
    public abstract void ScheduleIfRunnable();

    /// <summary>The newest position committed at or before <paramref name="time"/> (null: the newest of all).</summary>
    public abstract Task<JournalPosition> FindPositionAsync(DateTimeOffset? time);

    /// <summary>The object's state after event <paramref name="seq"/>, for point-in-time recovery.</summary>
    public abstract Task<ObjectData> LoadHistoryAsync(long seq);

    /// <summary>Makes this context the running one on this thread; returns the one it replaced.</summary>
    protected ObjectContext? Enter()
    {
        var previous = t_running;
        t_running = this;
        SetSynchronizationContext(this);
        return previous;
    }

    protected static void Leave(ObjectContext? previous, SynchronizationContext? previousContext)
    {
        t_running = previous;
        SetSynchronizationContext(previousContext);
    }
}
