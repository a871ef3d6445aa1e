using Durable.Storage;
using Microsoft.AspNetCore.Http;

namespace Durable.Web.Edge;

/// <summary>
/// One answer of the error contract: HTTP status, stable code, message, and whether a retry may succeed (then the
/// response carries Retry-After). <see cref="From"/> is the single table from exceptions to answers.
/// </summary>
internal readonly record struct EdgeError(int Status, string Code, string Message, bool IsRetryable = false)
{
    public static EdgeError BadRequest(string message) => new(StatusCodes.Status400BadRequest, "bad_request", message);

    public static EdgeError BodyTooLarge(long limit) => new(StatusCodes.Status413PayloadTooLarge, "value_too_large",
        $"The request body is larger than {limit} bytes, the limit ({DurableEdgeOptions.SectionName}:{nameof(DurableEdgeOptions.MaxRequestBodySize)}).");

    public static EdgeError From(Exception error, long bodyLimit) => error switch
    {
        InvalidDurableObjectIdException e => new(StatusCodes.Status400BadRequest, e.Code, e.Message),
        UnknownNamespaceException e => new(StatusCodes.Status404NotFound, e.Code, e.Message),
        OverloadedException e => new(StatusCodes.Status503ServiceUnavailable, e.Code, e.Message, IsRetryable: true),
        // Cluster: the object's shard is moving or its owner is unreachable; a retry finds the new owner.
        ShardMovedException e => new(StatusCodes.Status503ServiceUnavailable, e.Code, e.Message, IsRetryable: true),
        // Cluster: the node that had the event became unreachable before it answered; the outcome is unknown.
        OwnerUnreachableException e => new(StatusCodes.Status503ServiceUnavailable, e.Code, e.Message, IsRetryable: true),
        DeadlineExceededException e => new(StatusCodes.Status504GatewayTimeout, e.Code, e.Message),
        // The event's effects after the last durable commit are gone; the next attempt reaches a fresh instance.
        DurableObjectResetException e => new(StatusCodes.Status503ServiceUnavailable, e.Code, e.Message, IsRetryable: true),
        InstantiationFailedException e => new(StatusCodes.Status500InternalServerError, e.Code, e.Message),
        _ when Find<StorageLimitException>(error) is { } e => FromLimit(e),
        _ when Find<BadHttpRequestException>(error) is { } e => e.StatusCode == StatusCodes.Status413PayloadTooLarge
            ? BodyTooLarge(bodyLimit)
            : BadRequest($"The request could not be read: {e.Message}"),
        DurableObjectException e => new(StatusCodes.Status500InternalServerError, e.Code, e.Message, e.IsRetryable),
        _ => new(StatusCodes.Status500InternalServerError, "internal_error", $"The edge failed to serve the request: {error.Message}"),
    };

    private static EdgeError FromLimit(StorageLimitException e) =>
        new(e is ValueTooLargeException ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest, e.Code, e.Message);

    // An object that did not catch a storage limit or a broken request body surfaces it wrapped (object_error around
    // HttpRequestException around BadHttpRequestException); the caller's fault stays a 4xx.
    private static T? Find<T>(Exception error) where T : Exception
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
            if (e is T found) return found;
        return null;
    }
}
