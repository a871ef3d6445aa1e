namespace Durable.Internal;

/// <summary>
/// Marks a request the edge can upgrade to a WebSocket (carried in <see cref="HttpRequestMessage.Options"/>). The
/// object's <c>AcceptWebSocket</c> fills it in; the edge then completes the handshake and attaches the connection, or,
/// when the object answered anything but 101, the fetch failed or the client left, abandons it. Whichever of accept and
/// abandon comes second removes the socket, so an upgrade the edge gave up on never leaves a socket with its object
/// (the object's turn may still accept after the edge stopped waiting for it).
/// </summary>
internal sealed class WebSocketUpgrade
{
    public static readonly HttpRequestOptionsKey<WebSocketUpgrade> Key = new("Durable.WebSocketUpgrade");

    private HibernatableSocket? _socket;
    private int _abandoned;

    /// <summary>An upgrade at this node's edge; <paramref name="actor"/> is the connection's socket actor (Akka engine), made
    /// before the upgrade is sent so the object may be on any node.</summary>
    public WebSocketUpgrade(Akka.Actor.IActorRef? actor = null, Guid socketId = default, bool isRemote = false)
    {
        Actor = actor;
        SocketId = socketId == Guid.Empty ? Guid.NewGuid() : socketId;
        IsRemote = isRemote;
    }

    /// <summary>The socket actor that will own the connection, or null (classic engine).</summary>
    public Akka.Actor.IActorRef? Actor { get; }

    /// <summary>The id the socket will have with its object and at the edge.</summary>
    public Guid SocketId { get; }

    /// <summary>True on the object's node when the upgrade came from another node's edge: the socket is a handle
    /// sending to <see cref="Actor"/>.</summary>
    public bool IsRemote { get; }

    /// <summary>At the edge: the object on another node accepted the socket with these tags.</summary>
    public string[]? AcceptedRemotely { get; set; }

    /// <summary>The accepted socket, registered with its object.</summary>
    public HibernatableSocket? Socket => Volatile.Read(ref _socket);

    /// <summary>Why the socket is to be closed right after the handshake (the object is at its socket limit).</summary>
    public string? Rejection { get; set; }

    public bool IsAccepted => Socket is not null || Rejection is not null || AcceptedRemotely is not null;

    public static WebSocketUpgrade? Of(HttpRequestMessage request) =>
        request.Options.TryGetValue(Key, out var upgrade) ? upgrade : null;

    /// <summary>The object accepted <paramref name="socket"/> (registered in <paramref name="sockets"/>).</summary>
    public void Accept(HibernatableSocket socket, SocketRegistry sockets)
    {
        Interlocked.Exchange(ref _socket, socket); // a full fence: Abandon sees the socket, or this sees the abandon
        if (Volatile.Read(ref _abandoned) != 0) sockets.Remove(socket);
    }

    /// <summary>The edge will not run this upgrade's socket: remove it, now or when the object accepts it.</summary>
    public void Abandon(SocketRegistry sockets)
    {
        Interlocked.Exchange(ref _abandoned, 1);
        if (Volatile.Read(ref _socket) is { } socket) sockets.Remove(socket);
    }
}
