using Microsoft.AspNetCore.Http;

namespace Durable.Web.Edge;

/// <summary>Writes an object's <see cref="HttpResponseMessage"/> to the client: status, headers, and the body streamed.</summary>
internal static class ObjectResponses
{
    public static async Task WriteAsync(HttpContext context, HttpResponseMessage message)
    {
        var response = context.Response;
        var status = (int)message.StatusCode;
        response.StatusCode = status;
        foreach (var (name, values) in message.Headers)
        {
            // The edge's own X-Durable-* headers, already set, name the object; an object cannot overwrite them.
            if (!ObjectRequests.HopByHopHeaders.Contains(name) && !name.StartsWith("X-Durable-", StringComparison.OrdinalIgnoreCase))
                response.Headers.Append(name, values.ToArray());
        }
        if (message.Content is not { } content) return;
        // 204 and 304 have no body and must not announce one.
        var hasBody = status is not (StatusCodes.Status204NoContent or StatusCodes.Status304NotModified);
        foreach (var (name, values) in content.Headers)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) continue;
            response.Headers.Append(name, values.ToArray());
        }
        if (!hasBody) return;
        response.ContentLength = content.Headers.ContentLength;
        if (HttpMethods.IsHead(context.Request.Method)) return;
        await content.CopyToAsync(response.Body, context.RequestAborted);
    }
}
