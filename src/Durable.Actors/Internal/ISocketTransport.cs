using System.Net.WebSockets;

namespace Durable.Internal;

/// <summary>
/// The edge's side of one client connection: queues frames for sending, in call order, without blocking. Calls after
/// the connection closed are ignored.
/// </summary>
internal interface ISocketTransport
{
    void Send(OutgoingFrame frame);
}

/// <summary>A frame to send: text (UTF-8 bytes), binary, or a close with its code and reason.</summary>
internal readonly record struct OutgoingFrame(ReadOnlyMemory<byte> Data, WebSocketMessageType Type, int CloseCode = 0, string? CloseReason = null)
{
    public static OutgoingFrame Close(int code, string? reason) => new(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Close, code, reason);
}

/// <summary>The edge's side of one Phoenix connection, as a channel subscriber's object sees it.</summary>
internal interface IChannelTransport
{
    /// <summary>Queues <c>[joinRef, null, topic, event, payload]</c>; <paramref name="payloadJson"/> is already JSON.</summary>
    void Push(string? joinRef, string topic, string @event, ReadOnlyMemory<byte> payloadJson);
}
