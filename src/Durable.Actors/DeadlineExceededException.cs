namespace Durable;

/// <summary>The event did not finish within its deadline. The object may still have done part of its work.</summary>
public sealed class DeadlineExceededException(string message, DurableObjectId? objectId = null)
    : DurableObjectException("deadline_exceeded", message, null, objectId, isRetryable: false);
