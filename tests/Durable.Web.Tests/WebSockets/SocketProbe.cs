using System.Collections.Concurrent;
using System.Text.Json;

namespace Durable.Web.Tests.WebSockets;

/// <summary>A test object driven by its socket's text commands; it reports what it saw through static probes.</summary>
public sealed class SocketProbe(DurableObjectState state) : DurableObject
{
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> Closes = new();

    /// <summary>How many <c>flood</c> commands each object (by name) has handled.</summary>
    public static readonly ConcurrentDictionary<string, int> Floods = new();

    private readonly Guid _instance = Guid.NewGuid();

    public override async Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request)
    {
        var path = request.RequestUri!.AbsolutePath;
        var query = request.RequestUri.Query.TrimStart('?');
        switch (path)
        {
            case "/ws":
                var tags = query.Length == 0 ? [] : query.Split(',');
                return state.AcceptWebSocket(request, tags);
            case "/autoresponse":
                state.SetWebSocketAutoResponse("ping", "pong");
                return new HttpResponseMessage(System.Net.HttpStatusCode.NoContent);
            case "/accept-then-404":
                state.AcceptWebSocket(request);
                return new HttpResponseMessage(System.Net.HttpStatusCode.NotFound);
            case "/slow-ws":
                await Task.Delay(500);
                return state.AcceptWebSocket(request);
            case "/switch-without-accept":
                return new HttpResponseMessage(System.Net.HttpStatusCode.SwitchingProtocols);
            case "/autoresponse-at":
                var seen = state.GetWebSockets().Count(ws => state.GetWebSocketAutoResponseTimestamp(ws) is not null);
                return new HttpResponseMessage { Content = new StringContent(seen.ToString()) };
            case "/count":
                return new HttpResponseMessage { Content = new StringContent(state.GetWebSockets().Count.ToString()) };
            case "/broadcast":
                await state.Storage.PutAsync("b", 1);
                state.Broadcast("news", new { text = query });
                return new HttpResponseMessage(System.Net.HttpStatusCode.NoContent);
        }
        return new HttpResponseMessage(System.Net.HttpStatusCode.NotFound);
    }

    public override async Task WebSocketMessageAsync(DurableWebSocket ws, WebSocketMessage message)
    {
        if (!message.IsText)
        {
            ws.Send(message.Binary);
            return;
        }
        var text = message.Text;
        var colon = text.IndexOf(':');
        var (command, arg) = colon < 0 ? (text, "") : (text[..colon], text[(colon + 1)..]);
        switch (command)
        {
            case "echo": ws.Send(arg); break;
            case "flood":
                ws.Send(new string('x', int.Parse(arg)));
                Floods.AddOrUpdate(state.Name!, 1, (_, n) => n + 1);
                break;
            case "attach": ws.SerializeAttachment(new Attachment(arg, 7)); ws.Send("attached"); break;
            case "attachment": ws.Send(ws.DeserializeAttachment<Attachment>()?.Name ?? "<none>"); break;
            case "tags": ws.Send(string.Join(",", state.GetTags(ws))); break;
            case "count": ws.Send(state.GetWebSockets(arg.Length == 0 ? null : arg).Count.ToString()); break;
            case "instance": ws.Send(_instance.ToString()); break;
            case "put-then-send":
                await state.Storage.PutAsync("k", arg);
                ws.Send("after-put");
                break;
            case "throw": throw new InvalidOperationException("probe handler failed");
            case "close": ws.Close(4000, "bye"); break;
            case "all":
                foreach (var socket in state.GetWebSockets()) socket.Send(arg);
                break;
            case "autoresponse-at": ws.Send(state.GetWebSocketAutoResponseTimestamp(ws) is null ? "never" : "set"); break;
        }
    }

    public override Task WebSocketCloseAsync(DurableWebSocket ws, int code, string reason, bool wasClean)
    {
        Closes.GetOrAdd(state.Name!, _ => new()).Enqueue($"{code} {reason} {wasClean}");
        return base.WebSocketCloseAsync(ws, code, reason, wasClean);
    }

    public override Task<ChannelReply> ChannelJoinAsync(DurableChannel channel, JsonElement payload)
    {
        if (payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("deny", out _))
            return Task.FromResult(ChannelReply.Refuse("denied by probe"));
        channel.Push("welcome", new { topic = channel.Topic });
        return Task.FromResult(ChannelReply.Ok(new { joined = channel.Topic }));
    }

    public override Task<ChannelReply?> ChannelMessageAsync(DurableChannel channel, string @event, JsonElement payload) => @event switch
    {
        "ping" => Task.FromResult<ChannelReply?>(ChannelReply.Ok(new { pong = payload })),
        "silent" => Task.FromResult<ChannelReply?>(null),
        "crash" => throw new InvalidOperationException("channel callback failed"),
        "shout" => Shout(payload),
        _ => Task.FromResult<ChannelReply?>(ChannelReply.Refuse("unknown event")),
    };

    private Task<ChannelReply?> Shout(JsonElement payload)
    {
        state.Broadcast("shout", payload);
        return Task.FromResult<ChannelReply?>(ChannelReply.Ok());
    }

    public sealed record Attachment(string Name, int Number);
}
