using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Durable.Web.Samples;

/// <summary>
/// The chat sample: a room that stores every message as <c>{"body", "at"}</c> and keeps them in order. Raw sockets and
/// Phoenix subscribers are one room.
/// <list type="bullet">
/// <item>HTTP: <c>GET /messages</c> → <c>{"messages":[last 50, oldest first]}</c>; <c>POST /messages {"body": text}</c>
/// stores one, answers it and delivers it to the room.</item>
/// <item><c>GET /websocket</c> (hibernatable): each text message is stored, sent as that text to every raw socket (sender
/// included) and pushed as <c>new_msg {"body","at"}</c> to every Phoenix subscriber. No history on connect.</item>
/// <item>Phoenix topic <c>chat:{room}</c>: join replies <c>{"messages":[...]}</c>; <c>new_msg {"body"}</c> is replied ok
/// and handled like a raw message.</item>
/// </list>
/// </summary>
public sealed class ChatRoom(DurableObjectState state, TimeProvider time) : DurableObject
{
    public const int HistoryLength = 50;
    public const string NewMessageEvent = "new_msg";
    private const string MessagePrefix = "msg:";

    public override Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request) => SampleRequest.Guard(async () =>
    {
        var path = request.Path();
        if (path == "/websocket")
            return request.IsWebSocketUpgrade() ? state.AcceptWebSocket(request) : SampleRequest.UpgradeRequired();
        if (path != "/messages") return ErrorResponse.NotFound($"The chat room has no route {path}.");
        if (request.Method == HttpMethod.Get) return SampleRequest.Json(new { messages = await HistoryAsync() });
        if (request.Method != HttpMethod.Post) return ErrorResponse.MethodNotAllowed(request.Method, path, HttpMethod.Get, HttpMethod.Post);

        var body = await request.ReadJsonAsync();
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("body", out var text) || text.ValueKind != JsonValueKind.String)
            throw new BadInputException("A message is a JSON object {\"body\": \"text\"}.");
        return SampleRequest.Json(await PostAsync(text.GetString()!), HttpStatusCode.Created);
    });

    public override async Task WebSocketMessageAsync(DurableWebSocket ws, WebSocketMessage message)
    {
        if (message.IsText) await PostAsync(message.Text);
    }

    public override async Task<ChannelReply> ChannelJoinAsync(DurableChannel channel, JsonElement payload) =>
        ChannelReply.Ok(new { messages = await HistoryAsync() });

    public override async Task<ChannelReply?> ChannelMessageAsync(DurableChannel channel, string @event, JsonElement payload)
    {
        if (@event != NewMessageEvent) return ChannelReply.Refuse($"unknown event {@event}");
        if (payload.ValueKind != JsonValueKind.Object || !payload.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.String)
            return ChannelReply.Refuse("new_msg needs {\"body\": \"text\"}");
        await PostAsync(body.GetString()!);
        return ChannelReply.Ok();
    }

    /// <summary>Stores a message and delivers it to the whole room once it is durable.</summary>
    private async Task<ChatMessage> PostAsync(string body)
    {
        var message = await StoreAsync(body);
        foreach (var socket in state.GetWebSockets()) socket.Send(body);
        state.Broadcast(NewMessageEvent, message);
        return message;
    }

    /// <summary>Stores a message stamped with the current time.</summary>
    public async Task<ChatMessage> StoreAsync(string body)
    {
        var seq = await state.Storage.GetAsync<long>("seq") + 1;
        var message = new ChatMessage(body, time.GetUtcNow().ToUnixTimeMilliseconds());
        await state.Storage.PutAsync("seq", seq);
        await state.Storage.PutAsync($"{MessagePrefix}{seq:D19}", message);
        return message;
    }

    /// <summary>The last <see cref="HistoryLength"/> messages, oldest first.</summary>
    public async Task<IReadOnlyList<ChatMessage>> HistoryAsync()
    {
        var newest = await state.Storage.ListAsync<ChatMessage>(new() { Prefix = MessagePrefix, Reverse = true, Limit = HistoryLength });
        return newest.Values.Reverse().Select(m => m!).ToList();
    }
}

/// <summary>One stored chat message.</summary>
public sealed record ChatMessage([property: JsonPropertyName("body")] string Body, [property: JsonPropertyName("at")] long At);
