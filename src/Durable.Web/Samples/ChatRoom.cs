using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Durable.Web.Samples;

/// <summary>
/// The chat sample: a room that stores every message as <c>{"body", "at"}</c> and keeps them in order.
/// Over HTTP: <c>GET /messages</c> → <c>{"messages":[last 50, oldest first]}</c>, <c>POST /messages {"body": text}</c>
/// stores one and answers it.
/// </summary>
public sealed class ChatRoom(DurableObjectState state, TimeProvider time) : DurableObject
{
    public const int HistoryLength = 50;
    private const string MessagePrefix = "msg:";

    public override Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request) => SampleRequest.Guard(async () =>
    {
        var path = request.Path();
        if (path != "/messages") return ErrorResponse.NotFound($"The chat room has no route {path}.");
        if (request.Method == HttpMethod.Get) return SampleRequest.Json(new { messages = await HistoryAsync() });
        if (request.Method != HttpMethod.Post) return ErrorResponse.MethodNotAllowed(request.Method, path);

        var body = await request.ReadJsonAsync();
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("body", out var text) || text.ValueKind != JsonValueKind.String)
            throw new BadInputException("A message is a JSON object {\"body\": \"text\"}.");
        return SampleRequest.Json(await StoreAsync(text.GetString()!), HttpStatusCode.Created);
    });

    /// <summary>Stores a message stamped with the current time; the caller broadcasts it.</summary>
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
