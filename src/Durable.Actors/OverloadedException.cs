namespace Durable;

/// <summary>The object's queue or the node's in-flight limit is full. Retry after a short delay.</summary>
public sealed class OverloadedException(string message, DurableObjectId? objectId = null)
    : DurableObjectException("overloaded", message, null, objectId, isRetryable: true);
