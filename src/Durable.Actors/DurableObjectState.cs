using System.Net;
using System.Text.Json;
using Durable.Internal;
using Durable.Storage;

namespace Durable;

/// <summary>What the runtime gives one object: its identity, its storage and control over its concurrency.</summary>
public sealed class DurableObjectState
{
    private readonly ObjectContext _activation;

    internal DurableObjectState(ObjectContext activation, DurableObjectStorage storage)
    {
        _activation = activation;
        Storage = storage;
    }

    public DurableObjectId Id => _activation.Id;

    /// <summary>The name the object is addressed by, when it was reached through a name.</summary>
    public string? Name => _activation.Name;

    public DurableObjectStorage Storage { get; }

    /// <summary>
    /// Runs <paramref name="callback"/> while no other event may start (events already running continue at their
    /// awaits). If it throws or runs past the limit (default 30 s), the object is reset.
    /// </summary>
    public Task<T> BlockConcurrencyWhileAsync<T>(Func<Task<T>> callback) => _activation.BlockConcurrencyWhileAsync(callback);

    public Task BlockConcurrencyWhileAsync(Func<Task> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return _activation.BlockConcurrencyWhileAsync(async () =>
        {
            await callback();
            return true;
        });
    }

    /// <summary>Keeps the object from being passivated until <paramref name="task"/> completes; failures are logged.</summary>
    public void WaitUntil(Task task) => _activation.WaitUntil(task);

    /// <summary>
    /// Accepts the WebSocket upgrade <paramref name="request"/> as a hibernatable socket of this object and returns the
    /// 101 response to return from FetchAsync. The socket's messages, close and errors then arrive as
    /// <see cref="DurableObject.WebSocketMessageAsync"/> / <c>WebSocketCloseAsync</c> / <c>WebSocketErrorAsync</c> turns,
    /// also after the object hibernated. At most 10 tags of at most 256 characters. When the object already holds
    /// <c>Durable:WebSockets:MaxSocketsPerObject</c> sockets, the client's socket is closed right after the handshake with
    /// 1008 (policy violation) and a reason saying so, and this object never sees it.
    /// </summary>
    public HttpResponseMessage AcceptWebSocket(HttpRequestMessage request, params IEnumerable<string> tags)
    {
        ArgumentNullException.ThrowIfNull(request);
        var upgrade = WebSocketUpgrade.Of(request)
            ?? throw new InvalidOperationException($"Object {Id}: AcceptWebSocket needs a WebSocket upgrade request (GET with Upgrade: websocket) from the edge.");
        if (upgrade.IsAccepted) throw new InvalidOperationException($"Object {Id}: this upgrade request was already accepted.");
        var tagArray = (tags ?? []).ToArray();
        if (tagArray.Length > 10) throw new ArgumentException($"A socket has at most 10 tags; got {tagArray.Length}.", nameof(tags));
        foreach (var tag in tagArray)
        {
            ArgumentNullException.ThrowIfNull(tag, nameof(tags));
            if (tag.Length > 256) throw new ArgumentException($"A socket tag has at most 256 characters; '{tag[..16]}…' has {tag.Length}.", nameof(tags));
        }
        var sockets = _activation.Sockets;
        if (sockets.TryAdd(Id, tagArray, upgrade.SocketId) is { } socket)
        {
            _activation.Metrics.SocketAccepted();
            if (upgrade is { IsRemote: true, Actor: { } actor })
            {
                // The connection is on another node's edge: this handle sends to its socket actor.
                sockets.AttachRemote(socket, actor);
            }
            upgrade.Accept(socket, sockets);
        }
        else
        {
            upgrade.Rejection = sockets.LimitReason;
            _activation.Metrics.SocketRefused();
        }
        return new HttpResponseMessage(HttpStatusCode.SwitchingProtocols) { RequestMessage = request };
    }

    /// <summary>The object's open (and closing) sockets, or those carrying <paramref name="tag"/>; closed ones are gone.</summary>
    public IReadOnlyList<DurableWebSocket> GetWebSockets(string? tag = null) =>
        _activation.Sockets.Find(Id)?.Sockets(tag) ?? [];

    /// <summary>The tags <paramref name="ws"/> was accepted with; throws for a socket that is not this object's.</summary>
    public IReadOnlyList<string> GetTags(DurableWebSocket ws) => Own(ws).Tags;

    /// <summary>
    /// Sets the object-wide auto-response: a text message exactly equal to <paramref name="request"/> is answered with
    /// <paramref name="response"/> by the edge, without waking the object or running a turn. Null clears it. Each is at
    /// most 2,048 characters.
    /// </summary>
    public void SetWebSocketAutoResponse(string? request, string? response)
    {
        if ((request is null) != (response is null))
            throw new ArgumentException("Give both the request and the response, or neither to clear the auto-response.");
        if (request?.Length > 2048 || response?.Length > 2048)
            throw new ArgumentException("An auto-response request and response are at most 2,048 characters each.");
        _activation.Sockets.SetAutoResponse(Id, request is null ? null : new AutoResponse(request, response!));
    }

    /// <summary>The auto-response pair in effect, or null.</summary>
    public (string Request, string Response)? GetWebSocketAutoResponse() =>
        _activation.Sockets.Find(Id)?.AutoResponse is { } pair ? (pair.Request, pair.Response) : null;

    /// <summary>When the edge last auto-responded on <paramref name="ws"/>, or null if never.</summary>
    public DateTimeOffset? GetWebSocketAutoResponseTimestamp(DurableWebSocket ws) =>
        Own(ws).AutoResponseAt is var at and > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null;

    /// <summary>
    /// Sends <paramref name="event"/> with <paramref name="payload"/> (as JSON) to every subscriber of this object's channel
    /// topic <c>{namespace}:{name}</c>, once this turn's writes are durable.
    /// </summary>
    public void Broadcast(string @event, object? payload)
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (_activation.Sockets.Find(Id) is not { } entry) return;
        entry.Broadcast(@event, JsonSerializer.SerializeToUtf8Bytes(payload, _activation.JsonOptions));
    }

    /// <summary>The object's channel subscribers on this node.</summary>
    public IReadOnlyList<DurableChannel> GetChannels() => _activation.Sockets.Find(Id)?.Channels() ?? [];

    private HibernatableSocket Own(DurableWebSocket ws) =>
        ws is HibernatableSocket socket && socket.Owner.Id == Id
            ? socket
            : throw new ArgumentException($"That socket was not accepted by object {Id}.", nameof(ws));
}
