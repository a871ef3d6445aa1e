namespace Durable;

/// <summary>
/// The activation serving the event was reset (a storage commit failed, or the object crashed outside a fetch) before
/// the event's result was durable. Nothing the event did after the last durable commit is kept; retrying reaches a
/// fresh instance recovered from storage.
/// </summary>
public sealed class DurableObjectResetException(string message, Exception? innerException, DurableObjectId? objectId = null)
    : DurableObjectException("object_reset", message, innerException, objectId, isRetryable: true);
