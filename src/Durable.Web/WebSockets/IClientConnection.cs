using System.Net.WebSockets;
using Durable.Internal;

namespace Durable.Web.WebSockets;

/// <summary>
/// The sending half of one client WebSocket as the edge uses it: frames go out in call order, a close frame ends the
/// sending (later frames are dropped): a <see cref="SocketActorConnection"/> (the socket actor's bounded graph).
/// </summary>
internal interface IClientConnection : ISocketTransport
{
    WebSocket Socket { get; }

    /// <summary>Queues a close frame unless one was queued already.</summary>
    void Close(int code, string? reason);

    /// <summary>The caller sends nothing more: completes when every frame queued so far was written (or the connection
    /// failed).</summary>
    Task WhenDrainedAsync();
}
