using System.Buffers;
using System.Net.WebSockets;

namespace Durable.Web.WebSockets;

/// <summary>
/// Reads whole messages from a WebSocket into a pooled buffer, up to a size limit. Between messages the caller waits
/// with <see cref="WaitAsync"/>, a zero-byte read awaited in the caller's own frame, so an idle socket holds no receive
/// buffer and no reader state machine (what makes 10,000 idle sockets cheap).
/// </summary>
internal sealed class MessageReader(WebSocket socket, long maxMessageSize) : IDisposable
{
    private const int InitialBuffer = 4096;
    private byte[]? _buffer;

    /// <summary>The message's bytes, valid until the next read.</summary>
    public ReadOnlyMemory<byte> Payload { get; private set; }

    public WebSocketMessageType Type { get; private set; }

    /// <summary>Lets go of the previous message and waits, holding no buffer, until the next one starts.</summary>
    public ValueTask<ValueWebSocketReceiveResult> WaitAsync(CancellationToken cancellationToken)
    {
        ReturnBuffer();
        return socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
    }

    /// <summary>Waits for and reads the next message; keeps a frame of its own while idle (fine for relays and links).</summary>
    public async ValueTask<ReadOutcome> ReadAsync(CancellationToken cancellationToken) =>
        await ReadAsync(await WaitAsync(cancellationToken), cancellationToken);

    /// <summary>Reads the message whose start <paramref name="first"/> (from <see cref="WaitAsync"/>) announced.</summary>
    public async ValueTask<ReadOutcome> ReadAsync(ValueWebSocketReceiveResult first, CancellationToken cancellationToken)
    {
        if (first.MessageType == WebSocketMessageType.Close) return ReadOutcome.Closed;
        Type = first.MessageType;
        if (first.EndOfMessage)
        {
            Payload = ReadOnlyMemory<byte>.Empty;
            return ReadOutcome.Message;
        }
        var buffer = _buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > maxMessageSize) return ReadOutcome.TooBig;
                var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, maxMessageSize + 1));
                buffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = _buffer = larger;
            }
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close) return ReadOutcome.Closed;
            length += result.Count;
            if (length > maxMessageSize) return ReadOutcome.TooBig;
            if (result.EndOfMessage) break;
        }
        Payload = buffer.AsMemory(0, length);
        return ReadOutcome.Message;
    }

    private void ReturnBuffer()
    {
        if (_buffer is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
        _buffer = null;
        Payload = ReadOnlyMemory<byte>.Empty;
    }

    public void Dispose() => ReturnBuffer();
}

internal enum ReadOutcome
{
    Message,
    Closed,
    TooBig,
}
