using System.Net.WebSockets;
using Durable.Internal;

namespace Durable.Web.WebSockets;

/// <summary>
/// The sending half of one client WebSocket (classic engine, and the old cluster's relays): frames are queued and written
/// one at a time in call order, by whichever thread finds the queue idle (often the object's turn itself, so an echo
/// needs no thread hop). After a close frame is queued, or the connection failed, further frames are dropped. With a
/// bound (<paramref name="maxQueued"/>), a frame that finds that many waiting closes the socket with 1008 after them
/// (<paramref name="overflowed"/> runs) and drops the connection if they are not taken within <see cref="CloseGrace"/>.
/// </summary>
internal sealed class SocketConnection(WebSocket socket, int maxQueued = int.MaxValue, Action? overflowed = null, TimeProvider? time = null)
    : IClientConnection
{
    /// <summary>How long the other side gets to answer a close frame (or to take the frames queued before it) before the
    /// connection is dropped anyway.</summary>
    public static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    private readonly Lock _sync = new();
    private Queue<OutgoingFrame>? _queue;
    private TaskCompletionSource? _drained;
    private bool _sending;
    private bool _closeQueued;

    public WebSocket Socket { get; } = socket;

    public bool CloseQueued
    {
        get { lock (_sync) return _closeQueued; }
    }

    public void Send(OutgoingFrame frame)
    {
        lock (_sync)
        {
            if (_closeQueued) return;
            if (frame.Type == WebSocketMessageType.Close) _closeQueued = true;
            if (_sending)
            {
                var queue = _queue ??= new();
                if (queue.Count >= maxQueued && !_closeQueued)
                {
                    // The client is not reading: it gets what is queued, then the close.
                    _closeQueued = true;
                    frame = OutgoingFrame.Close(WebSocketCloseCodes.PolicyViolation, SocketActorConnection.SlowReaderReason);
                    overflowed?.Invoke();
                    _ = DropIfStuckAsync();
                }
                queue.Enqueue(frame);
                return;
            }
            _sending = true;
        }
        _ = DrainAsync(frame);
    }

    /// <summary>Queues a close frame unless one was queued already.</summary>
    public void Close(int code, string? reason) => Send(OutgoingFrame.Close(code, reason));

    /// <summary>Completes when every queued frame was written (or the connection failed).</summary>
    public Task WhenDrainedAsync()
    {
        lock (_sync)
        {
            if (!_sending) return Task.CompletedTask;
            return (_drained ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    private async Task DrainAsync(OutgoingFrame frame)
    {
        try
        {
            while (true)
            {
                if (frame.Type == WebSocketMessageType.Close)
                {
                    if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                        await Socket.CloseOutputAsync((WebSocketCloseStatus)frame.CloseCode, frame.CloseReason, CancellationToken.None);
                }
                else await Socket.SendAsync(frame.Data, frame.Type, endOfMessage: true, CancellationToken.None);
                lock (_sync)
                {
                    if (_queue is not { Count: > 0 } queue)
                    {
                        Idle();
                        return;
                    }
                    frame = queue.Dequeue();
                }
            }
        }
        catch (Exception error) when (error is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // The connection is gone; the receive loop sees it too and reports the close.
            lock (_sync)
            {
                _closeQueued = true;
                _queue = null;
                Idle();
            }
        }
    }

    private async Task DropIfStuckAsync()
    {
        await Task.Delay(CloseGrace, time ?? TimeProvider.System);
        if (!WhenDrainedAsync().IsCompleted) Socket.Abort();
    }

    private void Idle()
    {
        _sending = false;
        _drained?.TrySetResult();
        _drained = null;
    }
}
