using System.Net.WebSockets;

namespace Durable.Web.WebSockets;

/// <summary>
/// The client's end of an object WebSocket upgrade, whichever way it reached the edge: through Kestrel's HTTP pipeline
/// (<see cref="HttpUpgradeClient"/>) or answered on the bare connection (<see cref="Lean.LeanUpgradeClient"/>). The
/// object's decision, the socket's run and the cluster relay are the same code for both; only the handshake's bytes
/// differ. Either the socket is accepted or a refusal is written, once.
/// </summary>
internal interface IUpgradeClient
{
    /// <summary>Fires when the client's connection is gone (or the server aborts it).</summary>
    CancellationToken Aborted { get; }

    /// <summary>The subprotocols the client offered (<c>Sec-WebSocket-Protocol</c>), in its order.</summary>
    IList<string> RequestedProtocols { get; }

    /// <summary>Answers 101 (with <paramref name="subProtocol"/> when not null) and returns the server socket.</summary>
    Task<WebSocket> AcceptAsync(string? subProtocol, TimeSpan keepAliveInterval);

    /// <summary>Answers the upgrade with <paramref name="response"/> (not 101): status, end-to-end headers, body.</summary>
    Task RefuseAsync(HttpResponseMessage response);
}
