namespace Durable;

/// <summary>
/// In a cluster: the event had been sent to the node that runs its object, and that node became unreachable (or was
/// downed or removed) before it answered. The outcome is unknown: the node may have run the event and stored its effects
/// before it failed, or not. Retry after a short delay (an idempotent request is safe to retry; a non-idempotent one may
/// take effect twice): once the cluster removes the node, another node serves the object.
/// </summary>
public sealed class OwnerUnreachableException(string message, DurableObjectId? objectId = null, string? node = null)
    : DurableObjectException("owner_unreachable", message, null, objectId, isRetryable: true)
{
    /// <summary>The Akka address of the node that had the event, when known.</summary>
    public string? Node { get; } = node;
}
