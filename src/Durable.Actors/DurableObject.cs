using System.Net;
using System.Text.Json;

namespace Durable;

/// <summary>
/// The base class of every durable object. One instance per id is live at a time, cluster-wide; its handlers run
/// one turn at a time (never two threads inside one object) and interleave only at awaits.
/// Construct objects with <c>(DurableObjectState state, IServiceProvider env)</c> or any other DI-resolvable
/// parameters after the state.
/// </summary>
public abstract class DurableObject
{
    /// <summary>Handles an HTTP request sent to the object through a stub or the edge.</summary>
    public virtual Task<HttpResponseMessage> FetchAsync(HttpRequestMessage request) =>
        Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotImplemented)
        {
            Content = new StringContent($"{GetType().Name} does not handle fetch."),
        });

    /// <summary>Runs when the object's alarm fires. Throwing makes the runtime retry with backoff.</summary>
    public virtual Task AlarmAsync(AlarmInfo alarm) => Task.CompletedTask;

    /// <summary>Runs for each message on a socket the object accepted.</summary>
    public virtual Task WebSocketMessageAsync(DurableWebSocket ws, WebSocketMessage message) => Task.CompletedTask;

    /// <summary>Runs when a client closes a socket; by default completes the closing handshake with the same code.</summary>
    public virtual Task WebSocketCloseAsync(DurableWebSocket ws, int code, string reason, bool wasClean)
    {
        ws.Close(code is 1005 or 1006 or 1015 ? 1000 : code, reason);
        return Task.CompletedTask;
    }

    /// <summary>Runs when a socket fails.</summary>
    public virtual Task WebSocketErrorAsync(DurableWebSocket ws, Exception error) => Task.CompletedTask;

    /// <summary>
    /// A Phoenix client asks to join this object's topic <c>{namespace}:{name}</c>. Reply <see cref="ChannelReply.Ok"/>
    /// to admit it (it then receives <see cref="DurableObjectState.Broadcast"/>s) or an error to refuse it. By default
    /// objects have no channel: <c>{"reason":"unmatched topic"}</c>.
    /// </summary>
    public virtual Task<ChannelReply> ChannelJoinAsync(DurableChannel channel, JsonElement payload) =>
        Task.FromResult(ChannelReply.Refuse("unmatched topic"));

    /// <summary>An event a subscriber pushed on the topic; return a reply for the client, or null to send none.</summary>
    public virtual Task<ChannelReply?> ChannelMessageAsync(DurableChannel channel, string @event, JsonElement payload) =>
        Task.FromResult<ChannelReply?>(null);

    /// <summary>A subscriber left: <paramref name="reason"/> is "leave" (phx_leave) or "closed" (its socket went away).</summary>
    public virtual Task ChannelLeaveAsync(DurableChannel channel, string reason) => Task.CompletedTask;
}
