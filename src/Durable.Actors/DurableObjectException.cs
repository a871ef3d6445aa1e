namespace Durable;

/// <summary>
/// An error a caller of a durable object sees. <see cref="Code"/> is the stable error code of the HTTP error contract
/// (<c>object_error</c>, <c>overloaded</c>, <c>deadline_exceeded</c>, ...); <see cref="IsRetryable"/> says whether
/// sending the same event again may succeed.
/// </summary>
public class DurableObjectException : Exception
{
    public DurableObjectException(string message, Exception? innerException = null, DurableObjectId? objectId = null)
        : this("object_error", message, innerException, objectId, isRetryable: false)
    {
    }

    protected DurableObjectException(string code, string message, Exception? innerException, DurableObjectId? objectId, bool isRetryable)
        : base(message, innerException)
    {
        Code = code;
        ObjectId = objectId;
        IsRetryable = isRetryable;
    }

    /// <summary>The error code of the HTTP error contract.</summary>
    public string Code { get; }

    /// <summary>The object the error concerns, when known.</summary>
    public DurableObjectId? ObjectId { get; }

    public bool IsRetryable { get; }
}
