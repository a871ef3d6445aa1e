namespace Durable;

/// <summary>
/// A client WebSocket accepted by an object. The socket itself lives at the edge node, so the object can be
/// passivated (hibernate) while the socket stays open; sends made in a turn go out once that turn's writes are durable.
/// </summary>
public abstract class DurableWebSocket
{
    /// <summary>The tags given when the socket was accepted.</summary>
    public abstract IReadOnlyList<string> Tags { get; }

    /// <summary>Queues a text frame.</summary>
    public abstract void Send(string text);

    /// <summary>Queues a binary frame.</summary>
    public abstract void Send(ReadOnlyMemory<byte> data);

    /// <summary>Starts the closing handshake.</summary>
    public abstract void Close(int code = 1000, string? reason = null);

    /// <summary>Stores a value with the socket; it survives hibernation.</summary>
    public abstract void SerializeAttachment<T>(T value);

    /// <summary>The value last stored with <see cref="SerializeAttachment{T}"/>, or default.</summary>
    public abstract T? DeserializeAttachment<T>();
}
