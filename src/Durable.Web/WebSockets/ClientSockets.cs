using System.Collections.Concurrent;
using Durable;

namespace Durable.Web.WebSockets;

/// <summary>
/// The WebSockets this node serves (object sockets, Phoenix sockets), so that a graceful shutdown tells
/// each client it is going away (close 1001) as soon as the host starts stopping, instead of leaving the connection to be
/// cut (1006) when the host's shutdown timeout runs out. A client answers the close frame, its socket loop ends as it
/// would for any close, and the host's shutdown need not wait for it. A client that has not answered within
/// <see cref="CloseGrace"/> is dropped. A socket that opens after the shutdown began is closed at
/// once.
/// </summary>
internal sealed class ClientSockets(TimeProvider time)
{
    internal const string GoingAwayReason = "going away: the node is shutting down";

    /// <summary>How long a client has to take what was sent to it once its socket is closing; then it is dropped.</summary>
    public static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<IClientConnection, byte> _open = new();
    private volatile bool _stopping;

    public void Add(IClientConnection connection)
    {
        _open.TryAdd(connection, 0);
        if (_stopping) connection.Close(WebSocketCloseCodes.GoingAway, GoingAwayReason);
    }

    public void Remove(IClientConnection connection) => _open.TryRemove(connection, out _);

    /// <summary>Sends every open socket a close frame with 1001 and drops, after <see cref="ClientSockets.CloseGrace"/>,
    /// those whose client did not answer; returns how many were told.</summary>
    public int GoAway()
    {
        _stopping = true;
        var closed = 0;
        foreach (var connection in _open.Keys)
        {
            connection.Close(WebSocketCloseCodes.GoingAway, GoingAwayReason);
            closed++;
        }
        if (closed > 0) _ = DropUnansweredAsync();
        return closed;
    }

    private async Task DropUnansweredAsync()
    {
        await Task.Delay(ClientSockets.CloseGrace, time);
        foreach (var connection in _open.Keys) connection.Socket.Abort();
    }
}
