using System.Net.WebSockets;
using System.Text;

namespace Durable.Web.Tests.WebSockets;

/// <summary>Test helpers on a client socket: send and receive text with a timeout whose message names what was awaited.</summary>
internal static class ClientSocketExtensions
{
    public static Task SendTextAsync(this WebSocket ws, string text) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public static async Task<(WebSocketMessageType Type, string Text)> ReceiveAsync(this WebSocket ws, string waitingFor, int timeoutMs = 10_000)
    {
        using var timeout = new CancellationTokenSource(timeoutMs);
        var buffer = new byte[1 << 16];
        var length = 0;
        try
        {
            while (true)
            {
                var result = await ws.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
                length += result.Count;
                if (result.MessageType == WebSocketMessageType.Close) return (WebSocketMessageType.Close, $"{(int?)ws.CloseStatus} {ws.CloseStatusDescription}");
                if (result.EndOfMessage) return (result.MessageType, Encoding.UTF8.GetString(buffer, 0, length));
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no message within {timeoutMs} ms while waiting for {waitingFor}");
        }
    }

    public static async Task<string> ReceiveTextAsync(this WebSocket ws, string waitingFor, int timeoutMs = 10_000)
    {
        var (type, text) = await ws.ReceiveAsync(waitingFor, timeoutMs);
        Assert.True(type == WebSocketMessageType.Text, $"expected a text message ({waitingFor}), got {type} {text}");
        return text;
    }

    /// <summary>Receives until the server's close frame; returns its code.</summary>
    public static async Task<int> ReceiveCloseAsync(this WebSocket ws, string waitingFor)
    {
        while (true)
        {
            var (type, text) = await ws.ReceiveAsync(waitingFor);
            if (type == WebSocketMessageType.Close) return (int)ws.CloseStatus!.Value;
        }
    }
}
