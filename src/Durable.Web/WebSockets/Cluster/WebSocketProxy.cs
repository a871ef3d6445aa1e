using System.Collections.Frozen;
using System.Net;
using System.Net.WebSockets;
using Durable.Cluster;
using Durable.Cluster.Internal;
using Durable.Internal;
using Durable.Web.Edge;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Durable.Web.WebSockets.Cluster;

/// <summary>
/// Cluster: an object WebSocket that reaches a node which does not own the object. This node opens a WebSocket of its
/// own to the owner's <c>/_internal/ns/{namespace}/id/{id}/{path}</c> (cluster secret, the client's end-to-end headers
/// and subprotocols), where the owner runs it as a local socket, and relays between the two. What it promises:
/// <list type="bullet">
/// <item>The owner decides: its 101 (with the subprotocol it chose) is what the client gets; any other HTTP answer is
/// passed on as that status with the JSON error shape. A 503 saying the shard moved, or an owner that cannot be reached,
/// makes this node refresh its shard map and try once more at the owner it then names.</item>
/// <item>Messages pass unchanged both ways, text or binary, one message for one message, in order; a client message
/// over <see cref="Durable.Hosting.DurableWebSocketOptions.MaxMessageSize"/> closes both sides with 1009 as a local
/// socket would. Reading waits for the previous message to be written, so a slow side slows the other.</item>
/// <item>A close frame from either side is passed on with its code and reason; a client that drops makes the owner see
/// a dropped connection (1006).</item>
/// <item>If the link to the owner drops (the owner died, or its shard moved and it ended the socket), the client is
/// closed with 1012 (service restart): its next connect reaches the new owner. Nothing is replayed.</item>
/// <item>Everything about the object (turns, auto-responses, hibernation, limits) happens at the owner, whose edge
/// holds the socket; this node holds only the two connections.</item>
/// </list>
/// </summary>
internal sealed partial class WebSocketProxy(NodeSockets nodes, ClientSockets clients)
{
    /// <summary>Headers of the WebSocket handshake itself (the proxy makes its own) or of the cluster, never passed on.</summary>
    private static readonly FrozenSet<string> HandshakeHeaders = FrozenSet.ToFrozenSet(
        ["Host", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions", "Sec-WebSocket-Accept",
         "Sec-WebSocket-Protocol", ClusterRouter.SecretHeader], StringComparer.OrdinalIgnoreCase);

    /// <summary>Relays the upgrade to the object's owner; false when this node serves the object (run it locally).</summary>
    public async Task<bool> TryRunAsync(HttpContext context, DurableObjectId id, HttpRequestMessage request)
    {
        var aborted = context.RequestAborted;
        for (var attempt = 0; ; attempt++)
        {
            if (await nodes.Owners.FindOwnerAsync(id, aborted) is not { } owner) return false;
            var target = ClusterRouter.InternalObjectUri(owner.Url, id, request.RequestUri!.PathAndQuery);
            var connection = await nodes.ConnectAsync(owner, target, o => CopyHeaders(context, request, o), aborted);
            if (connection.Socket is { } upstream)
            {
                using (upstream) await RelayAsync(context, id, owner, upstream);
                return true;
            }
            if (!connection.Moved || attempt > 0)
            {
                await RefuseAsync(context, id, owner, connection);
                return true;
            }
            Log.Retrying(nodes.Logger, id, owner.Node);
            await nodes.Owners.RefreshAsync(aborted);
        }
    }

    private static void CopyHeaders(HttpContext context, HttpRequestMessage request, ClientWebSocketOptions options)
    {
        foreach (var (name, values) in request.Headers)
        {
            if (ObjectRequests.HopByHopHeaders.Contains(name) || HandshakeHeaders.Contains(name)) continue;
            try
            {
                options.SetRequestHeader(name, string.Join(name.Equals("Cookie", StringComparison.OrdinalIgnoreCase) ? "; " : ", ", values));
            }
            catch (ArgumentException)
            {
                // A header .NET will not send (malformed name or value); the owner does without it.
            }
        }
        foreach (var protocol in context.WebSockets.WebSocketRequestedProtocols) options.AddSubProtocol(protocol);
    }

    private async Task RefuseAsync(HttpContext context, DurableObjectId id, ObjectOwner owner, NodeConnection connection)
    {
        var status = connection.Status is >= 400 and <= 599 ? connection.Status : StatusCodes.Status503ServiceUnavailable;
        var (code, message) = status switch
        {
            StatusCodes.Status400BadRequest => ("bad_request", $"The owner of object {id} refused the WebSocket request as malformed."),
            StatusCodes.Status403Forbidden => ("forbidden", $"The owner of object {id} refused the WebSocket request."),
            StatusCodes.Status404NotFound => ("not_found", $"Object {id} does not serve WebSockets at this path."),
            StatusCodes.Status503ServiceUnavailable when connection.Status == 0 =>
                ("shard_moved", $"Object {id} could not be reached at its owner {owner.Node}; retry."),
            StatusCodes.Status503ServiceUnavailable => ("unavailable", $"Object {id} cannot take the WebSocket now (at {owner.Node}); retry."),
            _ => ("upgrade_refused", $"Object {id} answered the WebSocket request with {status}."),
        };
        Log.Refused(nodes.Logger, id, owner.Node, status);
        using var response = ErrorResponse.Create((HttpStatusCode)status, code, message);
        if (status == StatusCodes.Status503ServiceUnavailable) response.Headers.TryAddWithoutValidation("Retry-After", connection.RetryAfter ?? "1");
        await ObjectResponses.WriteAsync(context, response);
    }

    private async Task RelayAsync(HttpContext context, DurableObjectId id, ObjectOwner owner, ClientWebSocket upstream)
    {
        using var client = await context.WebSockets.AcceptWebSocketAsync(
            new WebSocketAcceptContext { SubProtocol = upstream.SubProtocol, KeepAliveInterval = nodes.Options.KeepAliveInterval });
        Log.Proxied(nodes.Logger, id, owner.Node);
        var toClient = new SocketConnection(client);
        var toOwner = new SocketConnection(upstream);
        clients.Add(toClient);
        try
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            var fromClient = FromClientAsync(toClient, toOwner, stop.Token);
            var fromOwner = FromOwnerAsync(id, owner, toOwner, toClient, stop.Token);
            await Task.WhenAny(fromClient, fromOwner);
            // One side closed: the other gets a moment to answer its close frame, then both connections are dropped.
            await Task.WhenAll(fromClient, fromOwner).WaitAsync(SocketConnection.CloseGrace, nodes.Time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await stop.CancelAsync();
            await Task.WhenAll(fromClient, fromOwner).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await Task.WhenAll(toClient.WhenDrainedAsync(), toOwner.WhenDrainedAsync()).WaitAsync(SocketConnection.CloseGrace, nodes.Time)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            clients.Remove(toClient);
        }
    }

    /// <summary>Client → owner, each message whole and within the size limit.</summary>
    private async Task FromClientAsync(SocketConnection client, SocketConnection owner, CancellationToken cancellationToken)
    {
        using var reader = new MessageReader(client.Socket, nodes.Options.MaxMessageSize);
        try
        {
            if (await RelayAllAsync(reader, owner, cancellationToken) == ReadOutcome.TooBig)
            {
                var reason = $"message too big: the limit is {nodes.Options.MaxMessageSize} bytes";
                client.Close(WebSocketCloseCodes.MessageTooBig, reason);
                owner.Close(WebSocketCloseCodes.MessageTooBig, reason);
                return;
            }
            PassClose(client.Socket, owner);
        }
        catch (Exception error) when (error is WebSocketException or OperationCanceledException or IOException)
        {
            // The client dropped: the owner sees a dropped connection too (1006), as it would for a local socket.
            owner.Socket.Abort();
        }
    }

    /// <summary>Owner → client; a link that drops closes the client with 1012.</summary>
    private async Task FromOwnerAsync(DurableObjectId id, ObjectOwner node, SocketConnection owner, SocketConnection client, CancellationToken cancellationToken)
    {
        // What the object sends is not limited (as for a local socket); the bound only keeps the buffer an array.
        using var reader = new MessageReader(owner.Socket, Array.MaxLength - 1);
        try
        {
            await RelayAllAsync(reader, client, cancellationToken);
            PassClose(owner.Socket, client);
        }
        catch (Exception error) when (error is WebSocketException or IOException)
        {
            Log.LinkDropped(nodes.Logger, id, node.Node, error.Message);
            client.Close(WebSocketCloseCodes.ServiceRestart, "service restart: the link to the object's node dropped; reconnect");
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Writes every message <paramref name="reader"/> reads to <paramref name="to"/>, until a close or an
    /// over-size message.</summary>
    private static async Task<ReadOutcome> RelayAllAsync(MessageReader reader, SocketConnection to, CancellationToken cancellationToken)
    {
        while (true)
        {
            var outcome = await reader.ReadAsync(cancellationToken);
            if (outcome != ReadOutcome.Message) return outcome;
            // The payload is the reader's buffer until its next read: wait until it is written.
            to.Send(new OutgoingFrame(reader.Payload, reader.Type));
            await to.WhenDrainedAsync();
        }
    }

    /// <summary>Passes on the close frame <paramref name="from"/> received: its code (1000 when it had none) and reason.</summary>
    private static void PassClose(WebSocket from, SocketConnection to)
    {
        var code = (int?)from.CloseStatus ?? WebSocketCloseCodes.NoStatus;
        to.Close(WebSocketCloseCodes.IsSendable(code) ? code : WebSocketCloseCodes.Normal, from.CloseStatusDescription);
    }
}
