using System.Net.WebSockets;
using System.Text.Json;
using Durable.Internal;
using Microsoft.Extensions.Logging;

namespace Durable.Web.WebSockets.Phoenix;

/// <summary>
/// One Phoenix socket: its frames are handled in arrival order; each joined topic is a <see cref="ChannelSubscription"/>
/// of the object named by the topic. What it promises (the contract's Phoenix rules):
/// <list type="bullet">
/// <item><c>heartbeat</c> on <c>phoenix</c> is replied ok at the edge; any frame counts as a sign of life, and a socket
/// silent for the heartbeat timeout is closed with 1001.</item>
/// <item>A join of <c>{namespace}:{name}</c> runs the object's <c>ChannelJoinAsync</c>; an unknown namespace (or a topic
/// without ':') is replied error <c>{"reason":"unknown topic"}</c> without any object.</item>
/// <item>Any other event on a topic this socket has not joined is replied error <c>{"reason":"unmatched topic"}</c>.</item>
/// <item>A leave is replied ok, then <c>phx_close</c> follows; a callback that throws sends <c>phx_error</c> and drops
/// the subscription (the official client then rejoins).</item>
/// <item>A text frame that is not a 5-element JSON array closes the socket with 1007, a binary frame with 1003.</item>
/// <item>When the socket goes away every joined object gets <c>ChannelLeaveAsync(channel, "closed")</c>.</item>
/// </list>
/// </summary>
internal sealed partial class PhoenixConnection : IChannelTransport
{
    private static readonly byte[] EmptyObject = "{}"u8.ToArray();
    private readonly PhoenixEndpoint _endpoint;
    private readonly IClientConnection _connection;
    private readonly Dictionary<string, ChannelSubscription> _joined = new(StringComparer.Ordinal);
    // Joined and joining subscriptions by topic, for pushes from objects on other nodes (read on the socket actor's thread).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ChannelSubscription> _byTopic = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private long _lastSeen;

    public PhoenixConnection(PhoenixEndpoint endpoint, IClientConnection connection)
    {
        _endpoint = endpoint;
        _connection = connection;
        _lastSeen = endpoint.Runtime.Time.GetTimestamp();
        if (connection is SocketActorConnection actor) actor.ChannelPushed = Forward;
    }

    /// <summary>A push or broadcast from a subscribed object on another node; one for an earlier membership is dropped. A
    /// <c>phx_close</c> ends the membership (the object could not hold it: past its limit).</summary>
    private void Forward(ChannelPush push)
    {
        if (!_byTopic.TryGetValue(push.Topic, out var channel) || (push.JoinRef is not null && push.JoinRef != channel.JoinRef)) return;
        if (push.Event == PhoenixFrame.Close && push.JoinRef is not null)
        {
            _byTopic.TryRemove(new KeyValuePair<string, ChannelSubscription>(push.Topic, channel));
            Runtime.Sockets.Remove(channel);
        }
        channel.Forward(push.JoinRef, push.Event, push.Payload);
    }

    /// <summary>The membership of <paramref name="topic"/> this socket holds, if the object did not end it meanwhile.</summary>
    private bool TryJoined(string topic, out ChannelSubscription channel)
    {
        if (_joined.TryGetValue(topic, out channel!) && _byTopic.TryGetValue(topic, out var current) && current == channel) return true;
        _joined.Remove(topic);
        return false;
    }

    private ObjectRuntime Runtime => _endpoint.Runtime;

    /// <summary>When the client last sent anything, as a <see cref="TimeProvider"/> timestamp.</summary>
    public long LastSeen => Volatile.Read(ref _lastSeen);

    public void Push(string? joinRef, string topic, string @event, ReadOnlyMemory<byte> payloadJson) =>
        _connection.Send(new OutgoingFrame(PhoenixFrame.Encode(joinRef, null, topic, @event, payloadJson.Span), WebSocketMessageType.Text));

    public async Task RunAsync(CancellationToken aborted)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted, _stop.Token);
        using var reader = new MessageReader(_connection.Socket, _endpoint.Options.MaxMessageSize);
        try
        {
            while (true)
            {
                var first = await reader.WaitAsync(stop.Token);
                var outcome = await reader.ReadAsync(first, stop.Token);
                Volatile.Write(ref _lastSeen, Runtime.Time.GetTimestamp());
                if (outcome == ReadOutcome.Closed)
                {
                    var code = (int?)_connection.Socket.CloseStatus ?? WebSocketCloseCodes.Normal;
                    _connection.Close(WebSocketCloseCodes.IsSendable(code) ? code : WebSocketCloseCodes.Normal, null);
                    return;
                }
                if (outcome == ReadOutcome.TooBig)
                {
                    await _endpoint.Edge.CloseAsync(_connection, WebSocketCloseCodes.MessageTooBig, $"message too big: the limit is {_endpoint.Options.MaxMessageSize} bytes");
                    return;
                }
                if (reader.Type == WebSocketMessageType.Binary)
                {
                    Log.MalformedFrame(_endpoint.Logger, "a binary frame");
                    await _endpoint.Edge.CloseAsync(_connection, WebSocketCloseCodes.UnsupportedData, "binary frames are not supported; send JSON text");
                    return;
                }
                if (PhoenixFrame.TryParse(reader.Payload.Span) is not { } frame)
                {
                    Log.MalformedFrame(_endpoint.Logger, "not a 5-element JSON array");
                    await _endpoint.Edge.CloseAsync(_connection, WebSocketCloseCodes.InvalidPayload, "expected a JSON array [join_ref, ref, topic, event, payload]");
                    return;
                }
                if (frame.Topic == PhoenixFrame.SystemTopic && frame.Event == PhoenixFrame.Heartbeat) Reply(frame, "ok", EmptyObject);
                else await HandleAsync(frame);
            }
        }
        catch (Exception error) when (error is WebSocketException or OperationCanceledException or IOException)
        {
            // The client went away, or missed its heartbeats.
        }
        finally
        {
            LeaveAll();
            await _connection.WhenDrainedAsync().WaitAsync(ClientSockets.CloseGrace, Runtime.Time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Closes a socket that missed its heartbeats: a close frame with 1001, then the connection is dropped.</summary>
    public async Task TimeOutAsync()
    {
        Log.HeartbeatTimeout(_endpoint.Logger, _endpoint.Options.PhoenixHeartbeatTimeout.TotalSeconds);
        await _endpoint.Edge.CloseAsync(_connection, WebSocketCloseCodes.GoingAway, "heartbeat timeout");
        await _stop.CancelAsync();
    }

    private Task HandleAsync(PhoenixFrame frame)
    {
        if (frame.Event == PhoenixFrame.Join) return JoinAsync(frame);
        if (!TryJoined(frame.Topic, out var channel))
        {
            Reply(frame, "error", """{"reason":"unmatched topic"}"""u8);
            return Task.CompletedTask;
        }
        if (frame.Event == PhoenixFrame.Leave) return LeaveAsync(frame, channel);
        return MessageAsync(frame, channel);
    }

    private async Task JoinAsync(PhoenixFrame frame)
    {
        if (TopicObject(frame.Topic) is not { } id)
        {
            Reply(frame, "error", """{"reason":"unknown topic"}"""u8);
            return;
        }
        if (TryJoined(frame.Topic, out var previous))
        {
            _joined.Remove(frame.Topic);
            // Phoenix's rule for a duplicate join: the old membership ends (phx_close) and the new one starts.
            Leave(previous, "leave");
            Push(previous.JoinRef, frame.Topic, PhoenixFrame.Close, EmptyObject);
        }
        var channel = new ChannelSubscription(this, id, frame.Topic, frame.JoinRef, (_connection as SocketActorConnection)?.Actor);
        _byTopic[frame.Topic] = channel;
        var reply = await RunAsync(new ChannelEvent(channel, Runtime.Time.GetTimestamp(), ChannelEventKind.Join, PhoenixFrame.Join, frame.Payload));
        if (reply is null || !reply.IsOk) _byTopic.TryRemove(new KeyValuePair<string, ChannelSubscription>(frame.Topic, channel));
        if (reply is null)
        {
            Runtime.Sockets.Remove(channel);
            Reply(frame, "error", """{"reason":"join crashed"}"""u8);
            Runtime.Metrics.ChannelJoined(admitted: false);
            return;
        }
        // Admitted by the object on another node: this node keeps its own copy of the subscription (before the client
        // hears of it), which its socket directory describes to the object's next owner, so broadcasts keep reaching it.
        if (reply.IsOk && channel.Owner is null) Runtime.Sockets.Keep(channel);
        Reply(frame, reply);
        Runtime.Metrics.ChannelJoined(reply.IsOk);
        if (!reply.IsOk) return;
        _joined[frame.Topic] = channel;
        channel.Activate();
    }

    /// <summary>The object a topic <c>{namespace}:{name}</c> names; null when it names none.</summary>
    private DurableObjectId? TopicObject(string topic)
    {
        var colon = topic.IndexOf(':');
        try
        {
            if (colon <= 0 || colon == topic.Length - 1 || !_endpoint.Namespaces.TryGet(topic[..colon], out var ns)) return null;
            return ns.IdFromName(topic[(colon + 1)..]);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private async Task LeaveAsync(PhoenixFrame frame, ChannelSubscription channel)
    {
        _joined.Remove(frame.Topic);
        _byTopic.TryRemove(new KeyValuePair<string, ChannelSubscription>(frame.Topic, channel));
        Runtime.Sockets.Remove(channel);
        await RunAsync(new ChannelEvent(channel, Runtime.Time.GetTimestamp(), ChannelEventKind.Leave, "leave", default));
        Reply(frame, "ok", EmptyObject);
        Push(channel.JoinRef, frame.Topic, PhoenixFrame.Close, EmptyObject, frame.JoinRef);
    }

    private async Task MessageAsync(PhoenixFrame frame, ChannelSubscription channel)
    {
        var e = new ChannelEvent(channel, Runtime.Time.GetTimestamp(), ChannelEventKind.Message, frame.Event, frame.Payload);
        var reply = await RunAsync(e);
        if (e.Completion.IsCompletedSuccessfully)
        {
            if (reply is not null) Reply(frame, reply);
            return;
        }
        // The callback threw: the object was reset and this membership ends; the client rejoins on phx_error.
        _joined.Remove(frame.Topic);
        _byTopic.TryRemove(new KeyValuePair<string, ChannelSubscription>(frame.Topic, channel));
        Runtime.Sockets.Remove(channel);
        Push(channel.JoinRef, frame.Topic, PhoenixFrame.Error, EmptyObject, channel.JoinRef);
    }

    /// <summary>Runs a channel event; null when it failed (logged) or the node was overloaded.</summary>
    private async Task<ChannelReply?> RunAsync(ChannelEvent e)
    {
        try
        {
            Runtime.Submit(e);
            return await e.Completion;
        }
        catch (DurableObjectException error)
        {
            Log.ChannelFailed(_endpoint.Logger, e.Target, e.Describe(), error.Message);
            return null;
        }
    }

    private void Leave(ChannelSubscription channel, string reason)
    {
        Runtime.Sockets.Remove(channel);
        _ = RunAsync(new ChannelEvent(channel, Runtime.Time.GetTimestamp(), ChannelEventKind.Leave, reason, default));
    }

    private void LeaveAll()
    {
        foreach (var topic in _joined.Keys.ToArray())
            if (TryJoined(topic, out var channel)) Leave(channel, "closed");
        _joined.Clear();
    }

    private void Reply(PhoenixFrame request, ChannelReply reply)
    {
        var json = reply.Response is null ? EmptyObject : JsonSerializer.SerializeToUtf8Bytes(reply.Response, Runtime.Options.Json);
        Reply(request, reply.Status, json);
    }

    private void Reply(PhoenixFrame request, string status, ReadOnlySpan<byte> responseJson) =>
        _connection.Send(new OutgoingFrame(PhoenixFrame.EncodeReply(request, status, responseJson), WebSocketMessageType.Text));

    private void Push(string? joinRef, string topic, string @event, ReadOnlySpan<byte> payload, string? @ref = null) =>
        _connection.Send(new OutgoingFrame(PhoenixFrame.Encode(joinRef, @ref ?? joinRef, topic, @event, payload), WebSocketMessageType.Text));
}
