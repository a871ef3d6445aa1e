namespace Durable.Hosting;

/// <summary>Limits and timers of object WebSockets and Phoenix channels (configuration section <c>Durable:WebSockets</c>).</summary>
public sealed class DurableWebSocketOptions
{
    public const string SectionName = "Durable:WebSockets";

    /// <summary>
    /// Largest message (all frames of it) the edge accepts; a larger one closes the socket with 1009 (message too big).
    /// Default 1 MiB.
    /// </summary>
    public long MaxMessageSize { get; set; } = 1 << 20;

    /// <summary>
    /// Sockets plus channel subscribers one object may hold. An upgrade past it is accepted and at once closed with 1008
    /// (policy violation) saying so; a channel join past it is replied <c>error</c> <c>{"reason":"too many subscribers"}</c>.
    /// Default 32,768 (Cloudflare's).
    /// </summary>
    public int MaxSocketsPerObject { get; set; } = 32_768;

    /// <summary>Largest serialized attachment of one socket; a larger one throws in SerializeAttachment. Default 16 KiB.</summary>
    public long MaxAttachmentSize { get; set; } = 16 << 10;

    /// <summary>A Phoenix socket that sends nothing (not even a heartbeat) for this long is closed with 1001. Default 60 s.</summary>
    public TimeSpan PhoenixHeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the edge sends protocol pings on idle sockets (0 = never). Default 30 s.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether the edge answers a connection's first request itself when it is a plain WebSocket upgrade of an object
    /// route (<c>GET /ns/{namespace}/name|id/{key}/…</c>, HTTP/1.1, nothing after the head), so the socket runs on the bare
    /// connection without Kestrel's HTTP/1.1 state (~10 KB less per open socket). Anything else goes through Kestrel
    /// as usual, and so does everything when this is off. A lean upgrade skips the app's middleware: turn this off
    /// when middleware in front of the object routes (authentication, say) must see WebSocket upgrades. Default true.
    /// </summary>
    public bool LeanHandshake { get; set; } = true;
}
