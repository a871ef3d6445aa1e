using System.Net;
using System.Text.Json;

namespace Durable.Web;

/// <summary>The JSON error shape of the HTTP contract: <c>{"error":{"code":"...","message":"..."}}</c>.</summary>
public static class ErrorResponse
{
    public const string ContentType = "application/json";

    public static HttpResponseMessage Create(HttpStatusCode status, string code, string message) =>
        new(status) { Content = new ByteArrayContent(Body(code, message)) { Headers = { { "Content-Type", ContentType } } } };

    public static HttpResponseMessage BadRequest(string message) => Create(HttpStatusCode.BadRequest, "bad_request", message);

    public static HttpResponseMessage NotFound(string message) => Create(HttpStatusCode.NotFound, "not_found", message);

    /// <summary>405 <c>method_not_allowed</c> with <c>Allow</c> listing <paramref name="allowed"/>, the methods
    /// <paramref name="path"/> accepts.</summary>
    public static HttpResponseMessage MethodNotAllowed(HttpMethod method, string path, params ReadOnlySpan<HttpMethod> allowed)
    {
        if (allowed.IsEmpty) throw new ArgumentException("A 405 names the methods the path accepts.", nameof(allowed));
        var names = new string[allowed.Length];
        for (var i = 0; i < allowed.Length; i++) names[i] = allowed[i].Method;
        var response = Create(HttpStatusCode.MethodNotAllowed, "method_not_allowed", $"{method} is not allowed on {path}; allowed: {string.Join(", ", names)}.");
        foreach (var name in names) response.Content.Headers.Allow.Add(name);
        return response;
    }

    public static byte[] Body(string code, string message) =>
        JsonSerializer.SerializeToUtf8Bytes(new ErrorBody(new ErrorDetail(code, message)), ErrorJsonContext.Default.ErrorBody);

    internal sealed record ErrorBody(ErrorDetail Error);

    internal sealed record ErrorDetail(string Code, string Message);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(ErrorResponse.ErrorBody))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class ErrorJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
