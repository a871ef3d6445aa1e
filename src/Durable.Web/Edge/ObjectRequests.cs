using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Durable.Web.Edge;

/// <summary>
/// Turns the incoming request into the <see cref="HttpRequestMessage"/> an object's FetchAsync receives: same method,
/// the object's own path and query under <c>http://durable-object</c>, the end-to-end headers, and the body as a
/// stream over the connection (never buffered here; the server enforces the body limit while the object reads).
/// </summary>
internal static class ObjectRequests
{
    public const string BaseAddress = "http://durable-object";

    private static readonly FrozenSet<string> ContentHeaders = FrozenSet.ToFrozenSet(
        ["Allow", "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Length", "Content-Location",
         "Content-MD5", "Content-Range", "Content-Type", "Expires", "Last-Modified"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Headers about one connection hop, not the request (RFC 9110 §7.6.1).</summary>
    public static readonly FrozenSet<string> HopByHopHeaders = FrozenSet.ToFrozenSet(
        ["Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade"], StringComparer.OrdinalIgnoreCase);

    /// <summary>The object's request; null with <paramref name="error"/> when the path cannot be an object URI.</summary>
    public static HttpRequestMessage? Create(HttpContext context, string pathAndQuery, out string error) =>
        Create(context.Request.Method, pathAndQuery, context.Request.Headers, HasBody(context) ? context.Request.Body : null, out error);

    /// <summary>The object's request from a request's parts (the lean WebSocket handshake has no <see cref="HttpContext"/>).</summary>
    public static HttpRequestMessage? Create(
        string method, string pathAndQuery, IEnumerable<KeyValuePair<string, StringValues>> headers, Stream? body, out string error)
    {
        error = "";
        if (!Uri.TryCreate(BaseAddress + pathAndQuery, UriKind.Absolute, out var uri))
        {
            error = $"'{pathAndQuery}' is not a valid object path.";
            return null;
        }
        var message = new HttpRequestMessage(HttpMethod.Parse(method), uri);
        HttpContent? content = body is null ? null : new StreamContent(body);
        foreach (var (name, values) in headers)
        {
            if (HopByHopHeaders.Contains(name)) continue;
            if (ContentHeaders.Contains(name))
            {
                content ??= new ByteArrayContent([]);
                content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
            else message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }
        message.Content = content;
        return message;
    }

    private static bool HasBody(HttpContext context) =>
        context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody
        ?? context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0;
}
