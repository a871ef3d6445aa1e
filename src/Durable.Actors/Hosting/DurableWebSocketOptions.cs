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
    /// In a cluster it holds on the object's node for sockets and subscribers whose connection is elsewhere too (those
    /// reaching a moved object with their next event or through the socket directory): a socket past it is closed the
    /// same way, a subscriber is sent <c>phx_close</c>, and the object never sees either. Default 32,768 (Cloudflare's).
    /// </summary>
    public int MaxSocketsPerObject { get; set; } = 32_768;

    /// <summary>Largest serialized attachment of one socket; a larger one throws in SerializeAttachment. Default 16 KiB.</summary>
    public long MaxAttachmentSize { get; set; } = 16 << 10;

    /// <summary>A Phoenix socket that sends nothing (not even a heartbeat) for this long is closed with 1001. Default 60 s.</summary>
    public TimeSpan PhoenixHeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the edge sends protocol pings on idle sockets (0 = never). Default 30 s.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Frames waiting to be sent to one client (the bounded buffer of its socket actor's graph). A client that stops reading until this many wait is closed with 1008 (policy
    /// violation) and counted in <c>durable.sockets.slow_closed</c>; so is one sent more than this many frames at once
    /// (by one turn) faster than it reads them. Default 4,096.
    /// </summary>
    public int SendBufferMessages { get; set; } = 4096;
}
