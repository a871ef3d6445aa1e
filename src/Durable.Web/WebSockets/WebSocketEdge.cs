using System.Net;
using System.Net.WebSockets;
using System.Text;
using Durable.Hosting;
using Durable.Internal;
using Durable.Web.Edge;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Durable.Web.WebSockets;

/// <summary>
/// Object WebSockets at the edge: an upgrade request on an object route goes to the object's FetchAsync like any
/// request; when it answers 101 after <c>state.AcceptWebSocket</c>, the edge completes the handshake here and runs the
/// socket until it closes. What it promises:
/// <list type="bullet">
/// <item>Each message becomes one <c>WebSocketMessageAsync</c> turn, in arrival order; the next message of the same
/// socket is read once the previous turn's outcome is durable (per-socket backpressure). A turn that fails resets the
/// object, never the socket.</item>
/// <item>A text message equal to the object's auto-response request is answered here: no turn, no activation.</item>
/// <item>The client's close frame becomes a <c>WebSocketCloseAsync</c> turn (wasClean true), a dropped connection one
/// with 1006 (wasClean false), a message over the size limit closes with 1009 and a turn with 1009; afterwards the
/// socket leaves the object's <c>GetWebSockets</c>.</item>
/// <item>An object at its socket limit: the handshake completes and the socket is closed at once with 1008.</item>
/// <item>A full queue (overloaded) closes the socket with 1013 rather than dropping a message.</item>
/// <item>Sending is bounded (<see cref="DurableWebSocketOptions.SendBufferMessages"/>): a client that does not read what
/// is sent to it is closed with 1008 and counted. On the Akka engine each socket's sending half is a
/// <see cref="SocketActor"/> whose ref the object's <see cref="HibernatableSocket"/> holds; its messages are read here and
/// submitted to the object's region, each once the previous one's turn is durable.</item>
/// <item>Cluster: the socket actor is made before the upgrade is sent, so the object may accept it on any node; the
/// edge keeps its own copy of the socket (id, tags, attachment, the object's auto-response) in this node's registry, and
/// its events carry that copy to whichever node has the object (Objects/ObjectEventSerializer, Objects/SocketDirectory).</item>
/// </list>
/// </summary>
internal sealed partial class WebSocketEdge(
    ObjectRuntime runtime, DurableWebSocketOptions options, ILogger logger, ClientSockets clients)
{
    public DurableWebSocketOptions Options { get; } = options;

    /// <summary>The sockets this node serves, told to go away (1001) when it shuts down.</summary>
    public ClientSockets Clients { get; } = clients;

    /// <summary>The host is stopping: every socket gets a close frame with 1001 now.</summary>
    public void GoAway()
    {
        var count = Clients.GoAway();
        if (count > 0) Log.GoingAway(logger, count);
    }

    /// <summary>
    /// Sends an upgrade request to its object (and disposes it) and, if the object accepts, runs the socket.
    /// Neither the request nor the object's response is kept while the socket runs: an idle socket holds only what it
    /// needs.
    /// </summary>
    public Task FetchAsync(HttpContext context, DurableObjectId id, HttpRequestMessage request) =>
        RunAsync(context, id, UpgradeAsync(context, id, request));

    /// <summary>The accepted upgrade, or null when the object answered something else (then written to the client).</summary>
    private async Task<(WebSocketUpgrade Upgrade, SocketActorConnection? Connection)?> UpgradeAsync(
        HttpContext context, DurableObjectId id, HttpRequestMessage request)
    {
        // On the Akka engine the socket actor exists before the upgrade is sent: the object, on whichever node, accepts
        // a socket whose frames go to it (they wait in its buffer until the handshake completed).
        var pending = runtime.Objects is { } akka
            ? SocketActorConnection.Start(akka.System, akka.Materializer, null, Options.SendBufferMessages, runtime.Metrics)
            : null;
        var upgrade = new WebSocketUpgrade(pending?.Actor);
        var accepted = false;
        try
        {
            request.Options.Set(WebSocketUpgrade.Key, upgrade);
            // The object sees the upgrade headers the edge otherwise strips as hop-by-hop.
            request.Headers.TryAddWithoutValidation("Upgrade", "websocket");
            request.Headers.TryAddWithoutValidation("Connection", "Upgrade");
            using var response = await runtime.FetchAsync(id, request, context.RequestAborted);
            if (response.StatusCode == HttpStatusCode.SwitchingProtocols && upgrade.IsAccepted)
            {
                accepted = true;
                return (upgrade, pending);
            }
            if (response.StatusCode == HttpStatusCode.SwitchingProtocols)
                throw new DurableObjectException($"Object {id} answered 101 without calling state.AcceptWebSocket(request).", null, id);
            await ObjectResponses.WriteAsync(context, response);
            return null;
        }
        finally
        {
            request.Dispose();
            // The object failed, answered something else, or the client left (maybe before the object accepted): the
            // socket never opened.
            if (!accepted)
            {
                upgrade.Abandon(runtime.Sockets);
                pending?.Abandon();
            }
        }
    }

    private async Task RunAsync(HttpContext context, DurableObjectId id, Task<(WebSocketUpgrade Upgrade, SocketActorConnection? Connection)?>? upgrading)
    {
        var outcome = await upgrading!;
        upgrading = null; // this frame lives as long as the socket; the finished upgrade task (~130 bytes) need not
        if (outcome is not var (upgrade, pending)) return;
        using var ws = await AcceptAsync(context, upgrade, pending);
        var connection = pending?.Open(ws) ?? Connect(ws);
        // Accepted by the object on another node: the edge keeps its own copy of the socket (tags, attachment), which
        // its events carry to whichever node has the object.
        var socket = upgrade.Socket ?? (upgrade.AcceptedRemotely is { } tags
            ? runtime.Sockets.Adopt(id, upgrade.SocketId, tags, null, actor: null)
            : null);
        if (socket is null)
        {
            Log.Refused(logger, upgrade.Rejection!);
            runtime.Metrics.SocketClosed(WebSocketCloseCodes.PolicyViolation);
            await CloseAsync(connection, WebSocketCloseCodes.PolicyViolation, upgrade.Rejection!);
            return;
        }
        Log.Accepted(logger, socket.Owner.Id);
        socket.Attach(connection, pending?.Actor);
        pending?.SetHandle(socket);
        Clients.Add(connection);
        using var reader = new MessageReader(ws, Options.MaxMessageSize);
        var closeCode = WebSocketCloseCodes.Abnormal;
        try
        {
            closeCode = await ReceiveAsync(socket, connection, reader, context.RequestAborted);
        }
        catch (Exception error) when (error is WebSocketException or OperationCanceledException or IOException)
        {
            var clean = error is WebSocketException { WebSocketErrorCode: WebSocketError.ConnectionClosedPrematurely } or OperationCanceledException;
            if (!clean) await DeliverAsync(socket, connection, SocketEvent.Failed(socket, runtime.Time.GetTimestamp(), error));
            socket.MarkClosing();
            await DeliverAsync(socket, connection, SocketEvent.Closed(socket, runtime.Time.GetTimestamp(), WebSocketCloseCodes.Abnormal, "", wasClean: false));
        }
        finally
        {
            Clients.Remove(connection);
            runtime.Sockets.Remove(socket);
            runtime.Metrics.SocketClosed(closeCode);
            Log.Closed(logger, socket.Owner.Id, closeCode);
            await connection.WhenDrainedAsync().WaitAsync(ClientSockets.CloseGrace, runtime.Time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>The sending half of an accepted client socket: a <see cref="SocketActor"/> on the node's actor system.</summary>
    internal IClientConnection Connect(WebSocket ws)
    {
        var objects = runtime.Objects ?? throw new InvalidOperationException("The durable object runtime has not started yet.");
        return SocketActorConnection.Start(objects.System, objects.Materializer, ws, Options.SendBufferMessages, runtime.Metrics);
    }

    /// <summary>Completes the handshake; a client gone meanwhile leaves no socket in the object's <c>GetWebSockets</c>.</summary>
    private async Task<WebSocket> AcceptAsync(HttpContext context, WebSocketUpgrade upgrade, SocketActorConnection? pending)
    {
        try
        {
            // No subprotocol: an object does not choose one.
            return await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = Options.KeepAliveInterval });
        }
        catch
        {
            upgrade.Abandon(runtime.Sockets);
            pending?.Abandon();
            throw;
        }
    }

    /// <summary>Reads messages until the socket closes; returns the close code.</summary>
    private async Task<int> ReceiveAsync(HibernatableSocket socket, IClientConnection connection, MessageReader reader, CancellationToken cancellationToken)
    {
        var ws = connection.Socket;
        while (true)
        {
            var first = await reader.WaitAsync(cancellationToken);
            switch (await reader.ReadAsync(first, cancellationToken))
            {
                case ReadOutcome.Closed:
                    var code = (int?)ws.CloseStatus ?? WebSocketCloseCodes.NoStatus;
                    socket.MarkClosing();
                    await DeliverAsync(socket, connection, SocketEvent.Closed(socket, runtime.Time.GetTimestamp(), code, ws.CloseStatusDescription ?? "", wasClean: true));
                    // The object's handler normally answered the close; if it did not, the edge completes the handshake.
                    connection.Close(WebSocketCloseCodes.IsSendable(code) ? code : WebSocketCloseCodes.Normal, null);
                    return code;
                case ReadOutcome.TooBig:
                    var reason = $"message too big: the limit is {Options.MaxMessageSize} bytes";
                    Log.MessageTooBig(logger, socket.Owner.Id, Options.MaxMessageSize);
                    socket.MarkClosing();
                    await CloseAsync(connection, WebSocketCloseCodes.MessageTooBig, reason);
                    await DeliverAsync(socket, connection, SocketEvent.Closed(socket, runtime.Time.GetTimestamp(), WebSocketCloseCodes.MessageTooBig, reason, wasClean: false));
                    return WebSocketCloseCodes.MessageTooBig;
            }
            if (reader.Type == WebSocketMessageType.Text && socket.Owner.AutoResponse is { } auto && reader.Payload.Span.SequenceEqual(auto.RequestUtf8))
            {
                connection.Send(new OutgoingFrame(auto.ResponseUtf8, WebSocketMessageType.Text));
                var at = runtime.Time.GetUtcNow().ToUnixTimeMilliseconds();
                socket.AutoResponseAt = at;
                (connection as SocketActorConnection)?.AutoResponded(socket, at);
                runtime.Metrics.AutoResponded();
                continue;
            }
            var message = reader.Type == WebSocketMessageType.Text
                ? WebSocketMessage.FromText(Encoding.UTF8.GetString(reader.Payload.Span))
                : WebSocketMessage.FromBinary(reader.Payload.ToArray());
            runtime.Metrics.SocketMessage();
            if (!await DeliverAsync(socket, connection, SocketEvent.Message(socket, runtime.Time.GetTimestamp(), message)))
                return WebSocketCloseCodes.TryAgainLater;
        }
    }

    /// <summary>Runs one socket event on the object; false when the object or node was too busy (the socket is then closed).</summary>
    private async Task<bool> DeliverAsync(HibernatableSocket socket, IClientConnection connection, SocketEvent e)
    {
        try
        {
            runtime.Submit(e);
        }
        catch (OverloadedException error)
        {
            Log.Overloaded(logger, socket.Owner.Id, error.Message);
            await CloseAsync(connection, WebSocketCloseCodes.TryAgainLater, "overloaded");
            return false;
        }
        catch (ShardMovedException error)
        {
            // Cluster: the object's shard left this node; the client reconnects and reaches the new owner.
            Log.Moved(logger, socket.Owner.Id, error.Message);
            await CloseAsync(connection, WebSocketCloseCodes.ServiceRestart, "service restart: the object moved to another node; reconnect");
            return false;
        }
        try
        {
            await e.Completion;
        }
        catch (DurableObjectException error)
        {
            // The handler threw (the object was reset) or outlived its deadline; the socket stays open.
            Log.EventFailed(logger, socket.Owner.Id, e.Describe(), error.Message);
        }
        return true;
    }

    /// <summary>Sends a close frame and waits (briefly) for the client's answering close.</summary>
    internal async Task CloseAsync(IClientConnection connection, int code, string reason)
    {
        connection.Close(code, Truncate(reason));
        var ws = connection.Socket;
        try
        {
            using var timeout = new CancellationTokenSource(ClientSockets.CloseGrace, runtime.Time);
            await connection.WhenDrainedAsync().WaitAsync(timeout.Token);
            var scratch = new byte[256];
            while (ws.State == WebSocketState.CloseSent)
                await ws.ReceiveAsync(scratch.AsMemory(), timeout.Token);
        }
        catch (Exception error) when (error is WebSocketException or OperationCanceledException or IOException)
        {
            // The client did not answer in time or went away; the connection is dropped either way.
        }
    }

    internal static string Truncate(string reason)
    {
        if (Encoding.UTF8.GetByteCount(reason) <= 123) return reason;
        var end = Math.Min(reason.Length, 120);
        while (Encoding.UTF8.GetByteCount(reason.AsSpan(0, end)) > 120) end--;
        return reason[..end] + "...";
    }
}
