using System.Collections.Concurrent;
using Durable.Hosting;
using Durable.Internal;
using Durable.Web.Edge;
using Durable.Web.WebSockets.Cluster;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Durable.Web.WebSockets.Phoenix;

/// <summary>
/// <c>GET /socket/websocket?vsn=2.0.0</c>: the Phoenix channels socket the official <c>phoenix</c> JavaScript client
/// connects to. One node-wide timer closes sockets that missed their heartbeats, so an idle socket costs no timer.
/// Cluster: <c>GET /_internal/socket/websocket</c> takes the links other nodes open for their clients' topics owned here
/// (cluster secret, else 403); those connections serve every topic here and are not timed out by heartbeats (the
/// other node answers its client's heartbeats, and closes the link when its client leaves).
/// </summary>
internal sealed class PhoenixEndpoint : IDisposable
{
    private readonly ConcurrentDictionary<PhoenixConnection, byte> _live = new();
    private readonly ITimer _sweeper;

    public const string InternalPath = ObjectEdge.InternalPrefix + "/socket/websocket";

    public PhoenixEndpoint(ObjectRuntime runtime, DurableObjectNamespaces namespaces, WebSocketEdge edge, ILogger logger, NodeSockets? nodes = null)
    {
        Runtime = runtime;
        Nodes = nodes;
        Namespaces = namespaces;
        Edge = edge;
        Logger = logger;
        var period = Options.PhoenixHeartbeatTimeout / 4;
        _sweeper = runtime.Time.CreateTimer(static state => ((PhoenixEndpoint)state!).Sweep(), this, period, period);
    }

    public ObjectRuntime Runtime { get; }

    public DurableObjectNamespaces Namespaces { get; }

    public WebSocketEdge Edge { get; }

    public DurableWebSocketOptions Options => Edge.Options;

    public ILogger Logger { get; }

    /// <summary>Opens links to the other nodes of a cluster; null on a single node.</summary>
    public NodeSockets? Nodes { get; }

    public Task HandleAsync(HttpContext context) => HandleAsync(context, fromNode: false);

    /// <summary><c>GET /_internal/socket/websocket</c>: another node's link; only with the cluster secret.</summary>
    public Task HandleInternalAsync(HttpContext context)
    {
        if (InternalRoutes.IsAuthorized(context, Nodes?.Owners.Secret)) return HandleAsync(context, fromNode: true);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = ErrorResponse.ContentType;
        return context.Response.Body.WriteAsync(ErrorResponse.Body("forbidden", InternalRoutes.ForbiddenMessage)).AsTask();
    }

    private async Task HandleAsync(HttpContext context, bool fromNode)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Reject(context, "The Phoenix socket takes WebSocket upgrade requests: GET /socket/websocket?vsn=2.0.0.");
            return;
        }
        var vsn = context.Request.Query["vsn"].ToString();
        if (vsn.Length > 0 && !vsn.StartsWith("2.", StringComparison.Ordinal))
        {
            await Reject(context, $"Serializer version '{vsn}' is not supported; use vsn=2.0.0 (the JSON array serializer).");
            return;
        }
        using var ws = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = Options.KeepAliveInterval });
        var socket = Edge.Connect(ws);
        var connection = new PhoenixConnection(this, socket, relay: !fromNode);
        if (!fromNode) _live.TryAdd(connection, 0);
        Edge.Clients.Add(socket);
        try
        {
            await connection.RunAsync(context.RequestAborted);
        }
        finally
        {
            Edge.Clients.Remove(socket);
            _live.TryRemove(connection, out _);
        }
    }

    private static Task Reject(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = ErrorResponse.ContentType;
        return context.Response.Body.WriteAsync(ErrorResponse.Body("bad_request", message)).AsTask();
    }

    private void Sweep()
    {
        var cutoff = Runtime.Time.GetTimestamp() - (long)(Options.PhoenixHeartbeatTimeout.TotalSeconds * Runtime.Time.TimestampFrequency);
        foreach (var connection in _live.Keys)
        {
            if (connection.LastSeen >= cutoff || !_live.TryRemove(connection, out _)) continue;
            _ = connection.TimeOutAsync();
        }
    }

    public void Dispose() => _sweeper.Dispose();
}
