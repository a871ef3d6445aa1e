namespace Durable;

/// <summary>The object's constructor threw; the next event tries to construct it again.</summary>
public sealed class InstantiationFailedException(string message, Exception? innerException, DurableObjectId? objectId = null)
    : DurableObjectException("instantiation_failed", message, innerException, objectId, isRetryable: true);
