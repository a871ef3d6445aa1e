namespace Durable.Internal;

/// <summary>
/// One event for an object (a fetch, an alarm, a socket or channel message), from admission until its result is
/// delivered or it fails. Its result is set once: by the object's handler (released through the output gate), by a
/// deadline, or by a reset; whichever comes first wins.
/// </summary>
internal abstract class ObjectEvent
{
    // Set by the object's actor when the event's handler started.
    internal bool Started;
    // How often the Akka engine sent the event again after it died in a stopped object's mailbox.
    internal int Redispatches;
    // 1 once the event was serialized to reach an object on another node (Objects/RemoteEvents).
    internal int Forwarded;

    protected ObjectEvent(DurableObjectId target, long arrivedAt)
    {
        Target = target;
        ArrivedAt = arrivedAt;
    }

    public DurableObjectId Target { get; }

    /// <summary>When the event was admitted, as a <see cref="TimeProvider"/> timestamp.</summary>
    public long ArrivedAt { get; }

    /// <summary>True once the caller has its answer (result or error).</summary>
    public bool IsCompleted => Done.IsCompleted;

    /// <summary>Completes when the caller has its answer (result or error).</summary>
    public abstract Task Done { get; }

    /// <summary>Runs the object's handler in the object's turn; the outcome is kept until <see cref="Deliver"/>.</summary>
    public abstract Task InvokeAsync(ObjectContext activation);

    /// <summary>True when a handler exception must reset the object (it happened outside a fetch).</summary>
    public virtual bool ErrorResetsObject => false;

    /// <summary>Keeps the error the handler threw, to be delivered through the output gate like a result.</summary>
    public abstract void SetHandlerError(Exception error);

    /// <summary>Gives the caller the kept outcome.</summary>
    public abstract void Deliver();

    /// <summary>Fails the event now; thread-safe; false when it already completed.</summary>
    public abstract bool TryFail(Exception error);

    public abstract string Describe();
}
