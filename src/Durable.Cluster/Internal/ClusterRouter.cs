using System.Net;
using Durable.Cluster.Hosting;
using Durable.Internal;
using Durable.Storage;
using Microsoft.Extensions.Logging;

namespace Durable.Cluster.Internal;

/// <summary>
/// Routes every fetch to the node that owns its object. What it promises:
/// <list type="bullet">
/// <item>A node that serves the object's shard runs the fetch itself; any other node forwards it to the owner named by
/// its cached shard map, at <c>{owner}/_internal/ns/{namespace}/id/{id}/{path}</c> on the owner's own port, over a
/// pool of HTTP/1.1 keep-alive connections, with the cluster secret in <see cref="SecretHeader"/>.</item>
/// <item>A forwarded request is never forwarded again: the owner runs it or answers 503 with
/// <see cref="MovedHeader"/>. On that answer (or when the owner cannot be reached before anything was sent) this node
/// refreshes its map and retries once at the new owner.</item>
/// <item>Request bodies are streamed. A body of up to <see cref="RetryableBodyLimit"/> bytes is buffered first so the
/// one retry can resend it; a larger one is streamed once and not retried (the caller gets the retryable 503).</item>
/// <item>While a shard has no live owner (failover, handoff in flight) the fetch waits for one, at most
/// <see cref="ClusterOptions.LeaseTtl"/> plus one heartbeat, then fails with a retryable <see cref="ShardMovedException"/>.</item>
/// </list>
/// The map is only a hint: the owner's lease decides, and the journal's fence decides commits.
/// </summary>
internal sealed partial class ClusterRouter : IObjectRouter, IObjectOwners, IDisposable
{
    public const string SecretHeader = "X-Durable-Cluster-Secret";
    public const string MovedHeader = "X-Durable-Shard-Moved";
    public const int RetryableBodyLimit = 64 * 1024;

    private readonly ClusterNode _node;
    private readonly ShardLeaseManager _leases;
    private readonly ObjectRuntime _runtime;
    private readonly ClusterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpMessageInvoker _http;

    public ClusterRouter(ClusterNode node, ShardLeaseManager leases, ObjectRuntime runtime, ClusterOptions options, TimeProvider time,
        ILogger<ClusterRouter> logger)
    {
        _node = node;
        _leases = leases;
        _runtime = runtime;
        _options = options;
        _time = time;
        _logger = logger;
        _http = new HttpMessageInvoker(CreateHandler(), disposeHandler: true);
    }

    /// <summary>
    /// One handler for the node's life, shared by every forward: keep-alive HTTP/1.1 connections pooled per owner.
    /// An <see cref="HttpMessageInvoker"/>, not an HttpClient: the client's per-call timeout machinery (a linked
    /// cancellation source per request) buys nothing here, as the caller's token already ends a forward. Kestrel serves
    /// HTTP/2 without TLS only on an HTTP/2-only endpoint, and the nodes share one port with their clients, so the
    /// forward is HTTP/1.1 (a connection per request in flight, reused).
    /// </summary>
    private static SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        // A node's URL may be a host name whose address changes when the node is replaced.
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        ConnectTimeout = TimeSpan.FromSeconds(2),
        MaxConnectionsPerServer = 512,
    };

    public bool IsReady => _node.IsReady;

    public string Secret => _node.Secret;

    public async Task<HttpResponseMessage> FetchAsync(DurableObjectId id, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var key = ObjectKey.For(id);
        var shard = _leases.ShardOf(key);
        var retryable = request.Content is null || request.Content.Headers.ContentLength is <= RetryableBodyLimit;
        if (request.Content is not null && retryable) await request.Content.LoadIntoBufferAsync(cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var owner = await FindOwnerAsync(id, key, shard, cancellationToken);
            if (owner is null) return await _runtime.FetchLocalAsync(id, request, cancellationToken);
            var (response, moved) = await ForwardAsync(id, owner.Value, request, cancellationToken);
            if (!moved || attempt > 0 || !retryable) return response ?? throw Moved(id, shard, owner.Value.Node);
            response?.Dispose();
            Log.Retrying(_logger, id, shard, owner.Value.Node);
            await RefreshAsync(cancellationToken);
        }
    }

    public Task<ObjectOwner?> FindOwnerAsync(DurableObjectId id, CancellationToken cancellationToken)
    {
        var key = ObjectKey.For(id);
        return FindOwnerAsync(id, key, _leases.ShardOf(key), cancellationToken);
    }

    /// <summary>Null when this node serves the object (or should, and will refuse it itself); else the owner.</summary>
    private async Task<ObjectOwner?> FindOwnerAsync(DurableObjectId id, ObjectKey key, ShardId shard, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var patience = _options.LeaseTtl + _options.HeartbeatInterval;
        while (true)
        {
            if (_leases.IsServedHere(key)) return null;
            if (_node.Map.OwnerOf(shard) is { } owner && owner.Node != _leases.Node && _node.Map.Owners[shard.Value].HandoffTo is null)
                return new ObjectOwner(owner.Node, owner.Url);
            if (_time.GetElapsedTime(started) >= patience) throw Moved(id, shard, null);
            await Task.Delay(TimeSpan.FromMilliseconds(20), _time, cancellationToken);
        }
    }

    private async Task<(HttpResponseMessage? Response, bool Moved)> ForwardAsync(
        DurableObjectId id, ObjectOwner owner, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = InternalObjectUri(owner.Url, id, request.RequestUri!.PathAndQuery);
        using var forward = new HttpRequestMessage(request.Method, target) { Version = HttpVersion.Version11, Content = request.Content };
        foreach (var (name, values) in request.Headers) forward.Headers.TryAddWithoutValidation(name, values);
        forward.Headers.Host = null;
        forward.Headers.TryAddWithoutValidation(SecretHeader, _node.Secret);
        try
        {
            // The invoker answers once the headers are read; the body streams from the owner as the caller copies it.
            var response = await _http.SendAsync(forward, cancellationToken);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.Contains(MovedHeader))
                return (response, true);
            return (response, false);
        }
        catch (HttpRequestException error) when (!cancellationToken.IsCancellationRequested)
        {
            // The owner is down or unreachable: its lease will expire and the shard will be granted again.
            Log.ForwardFailed(_logger, id, owner.Node, owner.Url, error.Message);
            return (null, true);
        }
    }

    /// <summary><c>{owner}/_internal/ns/{namespace}/id/{id}{pathAndQuery}</c>: where the owner serves a forwarded request.</summary>
    public static Uri InternalObjectUri(string ownerUrl, DurableObjectId id, string pathAndQuery) =>
        new($"{ownerUrl.TrimEnd('/')}/_internal/ns/{Uri.EscapeDataString(id.Namespace)}/id/{id}{pathAndQuery}");

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var version = _node.Map.Version;
        _node.Wake();
        var started = _time.GetTimestamp();
        while (_node.Map.Version == version && _time.GetElapsedTime(started) < _options.HeartbeatInterval * 2)
            await Task.Delay(TimeSpan.FromMilliseconds(10), _time, cancellationToken);
    }

    private ShardMovedException Moved(DurableObjectId id, ShardId shard, NodeId? owner) => new(
        owner is { } o
            ? $"Object {id} (shard {shard}) could not be reached at its owner {o} from node {_leases.Node}; retry."
            : $"Object {id} (shard {shard}) has no live owner now (failover or handoff in progress); retry.",
        id, shard.Value);

    public void Dispose() => _http.Dispose();

    private static partial class Log
    {
        [LoggerMessage(ClusterLogEventIds.ForwardRetried, LogLevel.Debug, "Object {ObjectId} (shard {ShardId}) moved away from {NodeId}; retrying at the new owner")]
        public static partial void Retrying(ILogger logger, DurableObjectId objectId, ShardId shardId, NodeId nodeId);

        [LoggerMessage(ClusterLogEventIds.ForwardFailed, LogLevel.Warning, "Forwarding to object {ObjectId} at node {NodeId} ({Url}) failed: {Reason}")]
        public static partial void ForwardFailed(ILogger logger, DurableObjectId objectId, NodeId nodeId, string url, string reason);
    }
}
