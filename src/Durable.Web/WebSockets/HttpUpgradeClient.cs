using System.Net.WebSockets;
using Durable.Web.Edge;
using Microsoft.AspNetCore.Http;

namespace Durable.Web.WebSockets;

/// <summary>An upgrade that came through Kestrel's HTTP pipeline: ASP.NET Core's WebSocket feature does the handshake.</summary>
internal sealed class HttpUpgradeClient(HttpContext context) : IUpgradeClient
{
    public CancellationToken Aborted => context.RequestAborted;

    public IList<string> RequestedProtocols => context.WebSockets.WebSocketRequestedProtocols;

    public Task<WebSocket> AcceptAsync(string? subProtocol, TimeSpan keepAliveInterval) =>
        context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = subProtocol, KeepAliveInterval = keepAliveInterval });

    public Task RefuseAsync(HttpResponseMessage response) => ObjectResponses.WriteAsync(context, response);
}
