using Durable.Web;
using Durable.Web.Edge;
using Microsoft.AspNetCore.Http;

namespace Microsoft.AspNetCore.Builder;

public static class DurableStatusPagesExtensions
{
    /// <summary>
    /// Gives the node's own bodiless error answers the JSON error shape: a path no route matches gets 404
    /// <c>not_found</c>, a known path with the wrong method 405 <c>method_not_allowed</c> (with <c>Allow</c>), any other
    /// bodiless 4xx/5xx <c>http_{status}</c>. An object's own answer (it carries <c>X-Durable-Id</c>) passes unchanged,
    /// body or not.
    /// </summary>
    public static IApplicationBuilder UseDurableStatusPages(this IApplicationBuilder app) =>
        app.UseStatusCodePages(static context =>
        {
            var http = context.HttpContext;
            var response = http.Response;
            if (response.Headers.ContainsKey(ObjectEdge.IdHeader)) return Task.CompletedTask;
            var request = http.Request;
            var (code, message) = response.StatusCode switch
            {
                StatusCodes.Status404NotFound => ("not_found",
                    $"No route matches {request.Path}. Objects are at /ns/{{namespace}}/name/{{name}}/{{path}} and /ns/{{namespace}}/id/{{id}}/{{path}}."),
                StatusCodes.Status405MethodNotAllowed => ("method_not_allowed",
                    $"{request.Method} is not allowed on {request.Path}" + (response.Headers.Allow.Count > 0 ? $"; allowed: {response.Headers.Allow}." : ".")),
                var status => ($"http_{status}", $"{request.Method} {request.Path} answered {status}."),
            };
            response.ContentType = ErrorResponse.ContentType;
            return response.Body.WriteAsync(ErrorResponse.Body(code, message), http.RequestAborted).AsTask();
        });
}
