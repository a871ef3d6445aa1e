namespace Durable.Internal;

/// <summary>
/// Marks a request the edge can upgrade to a WebSocket (carried in <see cref="HttpRequestMessage.Options"/>). The
/// object's <c>AcceptWebSocket</c> fills it in; the edge then completes the handshake and attaches the connection, or,
/// when the object answered anything but 101, removes the socket it accepted.
/// </summary>
internal sealed class WebSocketUpgrade
{
    public static readonly HttpRequestOptionsKey<WebSocketUpgrade> Key = new("Durable.WebSocketUpgrade");

    /// <summary>The accepted socket, registered with its object.</summary>
    public HibernatableSocket? Socket { get; set; }

    /// <summary>Why the socket is to be closed right after the handshake (the object is at its socket limit).</summary>
    public string? Rejection { get; set; }

    public bool IsAccepted => Socket is not null || Rejection is not null;

    public static WebSocketUpgrade? Of(HttpRequestMessage request) =>
        request.Options.TryGetValue(Key, out var upgrade) ? upgrade : null;
}
