using System.Collections.Concurrent;
using Durable.Hosting;
using Durable.Internal;
using Durable.Web.Edge;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Durable.Web.WebSockets.Phoenix;

/// <summary>
/// <c>GET /socket/websocket?vsn=2.0.0</c>: the Phoenix channels socket the official <c>phoenix</c> JavaScript client
/// connects to. One node-wide timer closes sockets that missed their heartbeats, so an idle socket costs no timer.
/// </summary>
internal sealed class PhoenixEndpoint : IDisposable
{
    private readonly ConcurrentDictionary<PhoenixConnection, byte> _live = new();
    private readonly ITimer _sweeper;

    public PhoenixEndpoint(ObjectRuntime runtime, DurableObjectNamespaces namespaces, WebSocketEdge edge, ILogger logger)
    {
        Runtime = runtime;
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

    public async Task HandleAsync(HttpContext context)
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
        var connection = new PhoenixConnection(this, socket);
        _live.TryAdd(connection, 0);
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
