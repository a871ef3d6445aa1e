using System.Diagnostics;
using System.Globalization;
using System.Text;
using Durable.Internal;
using Durable.Web.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Durable.Web.Edge;

/// <summary>
/// The HTTP edge: hands each object route's request to its object and streams the answer back.
/// Guarantees: every answer about an object (its errors included, once the id is known) carries X-Durable-Id and
/// X-Durable-Namespace; every failure is the JSON error shape with the contract's status and code (see
/// <see cref="EdgeError.From"/>); input the caller got wrong (path, name, id, body, size) is a 4xx, never a 5xx; a
/// request whose client went away is dropped without an answer.
/// </summary>
internal sealed partial class ObjectEdge(
    ObjectRuntime runtime, DurableObjectNamespaces namespaces, DurableEdgeOptions options, EdgeMetrics metrics,
    WebSocketEdge webSockets, ILogger logger, Func<CancellationToken, Task<bool>>? clusterReady = null)
{
    public const string IdHeader = "X-Durable-Id";
    public const string NamespaceHeader = "X-Durable-Namespace";

    /// <summary>ANY <c>/ns/{namespace}/name/{name}/{**path}</c> and <c>/ns/{namespace}/id/{id}/{**path}</c>.</summary>
    public async Task FetchAsync(HttpContext context, ObjectAddressKind kind)
    {
        var started = Stopwatch.GetTimestamp();
        var nsTag = EdgeMetrics.NoNamespace;
        DurableObjectId? id = null;
        try
        {
            var target = RawTarget(context);
            if (!ObjectAddress.TryParse(target, out var address, out var error))
            {
                await WriteErrorAsync(context, EdgeError.BadRequest(error), null, null);
                return;
            }
            var ns = namespaces.Get(address.Namespace);
            nsTag = ns.Name;
            id = kind == ObjectAddressKind.Name ? ns.IdFromName(address.Key) : ns.IdFromString(address.Key);
            SetObjectHeaders(context.Response, id);
            if (context.Request.ContentLength > options.MaxRequestBodySize)
            {
                await WriteErrorAsync(context, EdgeError.BodyTooLarge(options.MaxRequestBodySize), id, null);
                return;
            }
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = options.MaxRequestBodySize;
            // The request is used before the next await only, so this frame does not keep it while a socket runs.
            var request = ObjectRequests.Create(context, address.PathAndQuery, out error);
            if (request is null)
            {
                await WriteErrorAsync(context, EdgeError.BadRequest(error), id, null);
                return;
            }
            await (context.WebSockets.IsWebSocketRequest
                ? webSockets.FetchAsync(context, id, request)
                : FetchObjectAsync(context, id, request));
        }
        catch (Exception error) when (context.RequestAborted.IsCancellationRequested)
        {
            Log.ClientWentAway(logger, id?.ToString() ?? "-", context.Request.Method, error.GetType().Name);
            context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
        }
        catch (Exception error)
        {
            await WriteErrorAsync(context, EdgeError.From(error, options.MaxRequestBodySize), id, error);
        }
        finally
        {
            metrics.Record(nsTag, context.Response.StatusCode, started);
        }
    }

    private async Task FetchObjectAsync(HttpContext context, DurableObjectId id, HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await runtime.FetchAsync(id, request, context.RequestAborted);
            await ObjectResponses.WriteAsync(context, response);
        }
    }

    /// <summary>POST <c>/ns/{namespace}/ids</c>: 201 <c>{"id":"…"}</c> with a new unique id.</summary>
    public async Task NewIdAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var nsTag = EdgeMetrics.NoNamespace;
        try
        {
            if (!ObjectAddress.TryParseNamespace(RawTarget(context), out var name, out var error))
            {
                await WriteErrorAsync(context, EdgeError.BadRequest(error), null, null);
                return;
            }
            if (!HttpMethods.IsPost(context.Request.Method))
            {
                context.Response.Headers.Allow = "POST";
                await WriteErrorAsync(context, new EdgeError(StatusCodes.Status405MethodNotAllowed, "method_not_allowed",
                    $"{context.Request.Method} is not allowed on /ns/{{namespace}}/ids; use POST."), null, null);
                return;
            }
            var ns = namespaces.Get(name);
            nsTag = ns.Name;
            var id = ns.NewUniqueId();
            SetObjectHeaders(context.Response, id);
            context.Response.StatusCode = StatusCodes.Status201Created;
            context.Response.Headers.Location = $"/ns/{Uri.EscapeDataString(ns.Name)}/id/{id}/";
            context.Response.ContentType = ErrorResponse.ContentType;
            var body = Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\"}}");
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
        catch (Exception error) when (!context.RequestAborted.IsCancellationRequested)
        {
            await WriteErrorAsync(context, EdgeError.From(error, options.MaxRequestBodySize), null, error);
        }
        finally
        {
            metrics.Record(nsTag, context.Response.StatusCode, started);
        }
    }

    /// <summary>Any other path under <c>/ns/</c>: 400 bad_request saying what the routes are.</summary>
    public Task MalformedAsync(HttpContext context) => WriteErrorAsync(context, EdgeError.BadRequest(
        "Object routes are /ns/{namespace}/name/{name}/{path}, /ns/{namespace}/id/{id}/{path} and POST /ns/{namespace}/ids."), null, null);

    /// <summary>GET <c>/healthz</c>: 200 once the runtime has started (its storage is open) and, in a cluster, the node
    /// has joined and allocation has run (an Akka cluster: the node is Up and its regions are registered); else 503.</summary>
    public async Task HealthAsync(HttpContext context)
    {
        if (!runtime.IsReady || (clusterReady is not null && !await clusterReady(context.RequestAborted)))
        {
            await WriteErrorAsync(context, new EdgeError(StatusCodes.Status503ServiceUnavailable, "not_ready", "The node is starting."), null, null);
            return;
        }
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync("ok", context.RequestAborted);
    }

    private static void SetObjectHeaders(HttpResponse response, DurableObjectId id)
    {
        response.Headers[IdHeader] = id.ToString();
        response.Headers[NamespaceHeader] = id.Namespace;
    }

    /// <summary>The <c>Retry-After</c> of a retryable error: whole seconds, at least 1.</summary>
    private string RetryAfterSeconds => Math.Max(1, (int)options.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    private async Task WriteErrorAsync(HttpContext context, EdgeError error, DurableObjectId? id, Exception? exception)
    {
        LogError(context, error, id, exception);
        var response = context.Response;
        if (response.HasStarted)
        {
            // Part of the object's answer is on the wire; the client must not take the rest for a whole answer.
            context.Abort();
            return;
        }
        var allow = response.Headers.Allow;
        response.Clear();
        if (id is not null) SetObjectHeaders(response, id);
        if (allow.Count > 0) response.Headers.Allow = allow;
        response.StatusCode = error.Status;
        response.ContentType = ErrorResponse.ContentType;
        if (error.IsRetryable)
            response.Headers.RetryAfter = RetryAfterSeconds;
        var body = ErrorResponse.Body(error.Code, error.Message);
        response.ContentLength = body.Length;
        try
        {
            await response.Body.WriteAsync(body, context.RequestAborted);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left while we answered.
        }
    }

    private void LogError(HttpContext context, EdgeError error, DurableObjectId? id, Exception? exception) =>
        LogError(context.Request.Method, context.Request.Path.Value ?? "", error, id, exception);

    private void LogError(string method, string path, EdgeError error, DurableObjectId? id, Exception? exception)
    {
        var serverFault = error.Status >= StatusCodes.Status500InternalServerError;
        // Only an exception the object did not expect carries its stack; the runtime's refusals are self-explaining.
        var detail = error.Code is "object_error" or "internal_error" or "instantiation_failed" ? exception : null;
        if (id is not null)
            Log.ObjectAnswered(logger, serverFault ? LogLevel.Warning : LogLevel.Debug, id, id.Namespace, method, path, error.Status, error.Code, error.Message, detail);
        else
            Log.RequestRejected(logger, serverFault ? LogLevel.Error : LogLevel.Debug, method, path, error.Status, error.Code, error.Message, detail);
    }

    private static string RawTarget(HttpContext context) =>
        context.Request.PathBase.HasValue || context.Features.Get<IHttpRequestFeature>()?.RawTarget is not { Length: > 0 } raw
            ? context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent()
            : raw;
}
