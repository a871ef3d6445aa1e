using System.Net.WebSockets;
using System.Text.Json;

namespace Durable.Web.Tests.WebSockets;

/// <summary>A bare Phoenix v2 client over ClientWebSocket (shared with the end-to-end tests): sends <c>[join_ref, ref, topic, event, payload]</c> frames and reads them back.</summary>
internal sealed partial class PhoenixClient(ClientWebSocket ws) : IDisposable
{
    private int _ref;

    public ClientWebSocket Socket { get; } = ws;

    /// <summary>Sends an event; returns its ref.</summary>
    public async Task<string> SendAsync(string? joinRef, string topic, string @event, object? payload = null)
    {
        var @ref = (++_ref).ToString();
        await Socket.SendTextAsync(JsonSerializer.Serialize(new object?[] { joinRef, @ref, topic, @event, payload ?? new { } }));
        return @ref;
    }

    public async Task<JsonElement> ReceiveAsync(string waitingFor) =>
        JsonDocument.Parse(await Socket.ReceiveTextAsync(waitingFor)).RootElement;

    /// <summary>Reads frames until the reply to <paramref name="ref"/>; returns (status, response).</summary>
    public async Task<(string Status, JsonElement Response)> ReplyAsync(string @ref, string waitingFor)
    {
        while (true)
        {
            var frame = await ReceiveAsync(waitingFor);
            if (frame[3].GetString() == "phx_reply" && frame[1].GetString() == @ref)
                return (frame[4].GetProperty("status").GetString()!, frame[4].GetProperty("response"));
        }
    }

    /// <summary>Reads frames until an event named <paramref name="event"/> on <paramref name="topic"/>; returns the frame.</summary>
    public async Task<JsonElement> EventAsync(string topic, string @event)
    {
        while (true)
        {
            var frame = await ReceiveAsync($"{@event} on {topic}");
            if (frame[2].GetString() == topic && frame[3].GetString() == @event) return frame;
        }
    }

    public async Task<JsonElement> JoinAsync(string topic, string joinRef = "j1", object? payload = null)
    {
        var @ref = await SendJoinAsync(topic, joinRef, payload);
        var (status, response) = await ReplyAsync(@ref, $"join reply of {topic}");
        Assert.True(status == "ok", $"join of {topic} replied {status} {response}");
        return response;
    }

    public async Task<string> SendJoinAsync(string topic, string joinRef, object? payload = null)
    {
        await Socket.SendTextAsync(JsonSerializer.Serialize(new object?[] { joinRef, joinRef, topic, "phx_join", payload ?? new { } }));
        return joinRef;
    }

    public void Dispose() => Socket.Dispose();
}
