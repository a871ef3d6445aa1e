using System.Net.WebSockets;
using Durable.Cluster;
using Durable.Internal;
using Microsoft.Extensions.Logging;

namespace Durable.Web.WebSockets.Cluster;

/// <summary>
/// One client Phoenix socket's link to another node's <c>/_internal/socket/websocket</c>: the client's frames for the
/// topics that node owns go out over it, and everything the node sends back (replies, pushes, broadcasts) is written
/// to the client unchanged, refs included. What it promises:
/// <list type="bullet">
/// <item>Frames keep their order in each direction; a slow client slows the link (nothing is buffered without bound).</item>
/// <item>When the link drops or the node closes it, <c>dropped</c> runs once (the connection then sends the client
/// <c>phx_error</c> for every topic it relayed here, and the official client rejoins); a link this side closed does not
/// report.</item>
/// <item>Closing the link (the client left) makes the other node leave every topic joined over it.</item>
/// </list>
/// </summary>
internal sealed partial class PhoenixLink(NodeId node, ClientWebSocket socket, SocketConnection client, NodeSockets nodes, Action<PhoenixLink> dropped)
    : IAsyncDisposable
{
    private readonly SocketConnection _link = new(socket);
    private Task _receiving = Task.CompletedTask;
    private volatile bool _closing;

    public NodeId Node => node;

    public bool IsOpen => !_closing && socket.State == WebSocketState.Open && !_link.CloseQueued;

    public void Start() => _receiving = ReceiveAsync();

    /// <summary>Queues one frame (UTF-8 JSON text) for the other node.</summary>
    public void Send(ReadOnlyMemory<byte> frame) => _link.Send(new OutgoingFrame(frame, WebSocketMessageType.Text));

    private async Task ReceiveAsync()
    {
        await Task.Yield();
        // What the objects send is not limited (as for a local socket); the bound only keeps the buffer an array.
        using var reader = new MessageReader(socket, Array.MaxLength - 1);
        string why;
        try
        {
            while (await reader.ReadAsync(CancellationToken.None) == ReadOutcome.Message)
            {
                // The payload is the reader's buffer until its next read: wait until it is written.
                client.Send(new OutgoingFrame(reader.Payload, reader.Type));
                await client.WhenDrainedAsync();
            }
            why = $"closed by the node with {(int?)socket.CloseStatus ?? WebSocketCloseCodes.NoStatus}";
            _link.Close(WebSocketCloseCodes.Normal, null);
        }
        catch (Exception error) when (error is WebSocketException or IOException or OperationCanceledException)
        {
            why = error.Message;
        }
        if (_closing) return;
        _closing = true;
        Log.Dropped(nodes.Logger, node, why);
        dropped(this);
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        _link.Close(WebSocketCloseCodes.Normal, "client left");
        await _receiving.WaitAsync(SocketConnection.CloseGrace, nodes.Time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        socket.Abort();
        socket.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(LogEventIds.PhoenixLinkDropped, LogLevel.Information, "Phoenix link to node {NodeId} dropped ({Reason}); its topics get phx_error")]
        public static partial void Dropped(ILogger logger, NodeId nodeId, string reason);
    }
}
