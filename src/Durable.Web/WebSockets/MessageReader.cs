using System.Buffers;
using System.Net.WebSockets;

namespace Durable.Web.WebSockets;

/// <summary>
/// Reads whole messages from a WebSocket into a pooled buffer, up to a size limit. Between messages it waits with a
/// zero-byte read, so an idle socket holds no receive buffer (what makes 10,000 idle sockets cheap).
/// </summary>
internal sealed class MessageReader(WebSocket socket, long maxMessageSize) : IDisposable
{
    private const int InitialBuffer = 4096;
    private byte[]? _buffer;

    /// <summary>The message's bytes, valid until the next read.</summary>
    public ReadOnlyMemory<byte> Payload { get; private set; }

    public WebSocketMessageType Type { get; private set; }

    public async ValueTask<ReadOutcome> ReadAsync(CancellationToken cancellationToken)
    {
        ReturnBuffer();
        var first = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
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
