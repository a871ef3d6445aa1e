using System.Net.WebSockets;
using Durable.Cluster;
using Durable.Cluster.Internal;
using Durable.Hosting;
using Durable.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Durable.Web.WebSockets.Cluster;

/// <summary>
/// Opens WebSockets from this node to another node's <c>/_internal/</c> routes (cluster mode): the cluster secret in
/// <see cref="ClusterRouter.SecretHeader"/>, no proxy, the edge's keep-alive pings (so a link to a vanished node fails
/// within one interval even without a TCP reset), a bounded handshake, and the owner's HTTP answer kept when it refuses,
/// so the caller can pass that status on or, when the owner says the shard moved or cannot be reached, retry once at
/// the owner a refreshed map names.
/// </summary>
internal sealed partial class NodeSockets(IObjectOwners owners, DurableWebSocketOptions options, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public IObjectOwners Owners => owners;

    public DurableWebSocketOptions Options => options;

    public TimeProvider Time => time;

    public ILogger Logger => logger;

    /// <summary>Opens a WebSocket to <paramref name="target"/> (an <c>http(s)</c> URL of the owner's internal route).</summary>
    public async Task<NodeConnection> ConnectAsync(ObjectOwner owner, Uri target, Action<ClientWebSocketOptions>? configure, CancellationToken cancellationToken)
    {
        var uri = new UriBuilder(target) { Scheme = target.Scheme == Uri.UriSchemeHttps ? Uri.UriSchemeWss : Uri.UriSchemeWs }.Uri;
        var ws = new ClientWebSocket();
        ws.Options.Proxy = null;
        ws.Options.CollectHttpResponseDetails = true;
        ws.Options.KeepAliveInterval = options.KeepAliveInterval;
        // Pings that expect a pong: a node that vanished without closing its sockets is noticed within an interval.
        if (options.KeepAliveInterval > TimeSpan.Zero) ws.Options.KeepAliveTimeout = options.KeepAliveInterval;
        ws.Options.SetRequestHeader(ClusterRouter.SecretHeader, owners.Secret);
        configure?.Invoke(ws.Options);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await ws.ConnectAsync(uri, timeout.Token);
            return new NodeConnection(ws, StatusCodes.Status101SwitchingProtocols, Moved: false, RetryAfter: null);
        }
        catch (Exception error) when (error is WebSocketException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var status = (int)ws.HttpStatusCode;
            var headers = ws.HttpResponseHeaders;
            var moved = status == 0 || status == StatusCodes.Status503ServiceUnavailable && Header(headers, ClusterRouter.MovedHeader) is not null;
            Log.ConnectFailed(logger, owner.Node, uri.GetLeftPart(UriPartial.Path), status, error.Message);
            ws.Dispose();
            return new NodeConnection(null, status, moved, Header(headers, "Retry-After"));
        }
        catch
        {
            ws.Dispose();
            throw;
        }
    }

    private static string? Header(IReadOnlyDictionary<string, IEnumerable<string>>? headers, string name)
    {
        if (headers is null) return null;
        foreach (var (key, values) in headers)
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) return string.Join(",", values);
        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(LogEventIds.NodeSocketConnectFailed, LogLevel.Debug, "WebSocket to node {NodeId} at {Url} failed (HTTP {Status}): {Reason}")]
        public static partial void ConnectFailed(ILogger logger, NodeId nodeId, string url, int status, string reason);
    }
}

/// <summary>The outcome of <see cref="NodeSockets.ConnectAsync"/>: the open socket, or the owner's refusal (status 0
/// when it could not be reached) and whether a refreshed map may name another owner.</summary>
internal readonly record struct NodeConnection(ClientWebSocket? Socket, int Status, bool Moved, string? RetryAfter);
