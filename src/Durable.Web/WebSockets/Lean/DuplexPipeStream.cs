using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Durable.Web.WebSockets.Lean;

/// <summary>
/// A connection's transport pipes as the <see cref="Stream"/> that <see cref="System.Net.WebSockets.WebSocket.CreateFromStream(Stream, System.Net.WebSockets.WebSocketCreationOptions)"/>
/// runs over. A zero-byte read waits for data without taking any (so an idle socket holds no buffer); writes are
/// flushed at once, as the socket sends whole frames. Async only, as the WebSocket uses it.
/// </summary>
internal sealed class DuplexPipeStream(IDuplexPipe pipe) : Stream
{
    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    // Kept small: while a socket is idle this frame waits (a zero-byte read), one per open socket. Completing
    // synchronously (bytes already there) it allocates nothing, and a busy socket reuses pooled frames.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Take(await pipe.Input.ReadAsync(cancellationToken), buffer.Span);

    private int Take(ReadResult result, Span<byte> buffer)
    {
        var input = pipe.Input;
        var data = result.Buffer;
        if (result.IsCanceled)
        {
            input.AdvanceTo(data.Start);
            throw new OperationCanceledException("The read was canceled.");
        }
        var count = (int)Math.Min(data.Length, buffer.Length);
        data.Slice(0, count).CopyTo(buffer);
        // A zero-byte read takes nothing and examines nothing: the next read returns the same bytes at once.
        input.AdvanceTo(data.GetPosition(count));
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var flush = pipe.Output.WriteAsync(buffer, cancellationToken);
        return flush.IsCompletedSuccessfully ? ValueTask.CompletedTask : AwaitFlushAsync(flush);
    }

    private static async ValueTask AwaitFlushAsync(ValueTask<FlushResult> flush) => await flush;

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken) => await pipe.Output.FlushAsync(cancellationToken);

    public override void Flush()
    {
        // Every write is flushed already.
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The lean WebSocket stream is async only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The lean WebSocket stream is async only.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // The WebSocket is done with the connection: the transport may close it.
            pipe.Input.Complete();
            pipe.Output.Complete();
        }
        base.Dispose(disposing);
    }
}
