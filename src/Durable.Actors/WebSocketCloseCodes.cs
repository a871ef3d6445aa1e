namespace Durable;

/// <summary>The close codes the runtime sends (RFC 6455 §7.4.1), and what makes it send each.</summary>
public static class WebSocketCloseCodes
{
    public const int Normal = 1000;

    /// <summary>The node is shutting down, or a Phoenix socket missed its heartbeats.</summary>
    public const int GoingAway = 1001;

    /// <summary>A binary frame on the Phoenix socket (it speaks JSON text).</summary>
    public const int UnsupportedData = 1003;

    /// <summary>Received when the peer's close frame had no code; never sent.</summary>
    public const int NoStatus = 1005;

    /// <summary>Reported to the object when the connection dropped without a close frame; never sent.</summary>
    public const int Abnormal = 1006;

    /// <summary>A Phoenix frame that is not a 5-element JSON array, or a text frame that is not UTF-8.</summary>
    public const int InvalidPayload = 1007;

    /// <summary>The object already holds its limit of sockets (Durable:WebSockets:MaxSocketsPerObject).</summary>
    public const int PolicyViolation = 1008;

    /// <summary>A message larger than Durable:WebSockets:MaxMessageSize.</summary>
    public const int MessageTooBig = 1009;

    public const int InternalError = 1011;

    /// <summary>In a cluster: the object's shard moved, or the link to its node dropped; reconnect (to the new owner).</summary>
    public const int ServiceRestart = 1012;

    /// <summary>The node or the object is overloaded (its queue is full); reconnect later.</summary>
    public const int TryAgainLater = 1013;

    /// <summary>True for a code an object may send: 1000-1003, 1007-1014, or 3000-4999.</summary>
    public static bool IsSendable(int code) => code is >= 1000 and <= 1003 or >= 1007 and <= 1014 or >= 3000 and <= 4999;
}
