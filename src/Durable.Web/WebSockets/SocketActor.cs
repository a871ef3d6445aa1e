using System.Net.WebSockets;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Durable.Internal;

namespace Durable.Web.WebSockets;

/// <summary>
/// Owns the sending half of one client WebSocket on the Akka engine (one actor per accepted socket, on the node's
/// actor system). What it promises:
/// <list type="bullet">
/// <item>Frames go out in the order they were queued, one at a time, through an Akka.Streams graph whose source is the
/// connection's bounded buffer (<see cref="Durable.Hosting.DurableWebSocketOptions.SendBufferMessages"/>); nothing is
/// buffered without bound.</item>
/// <item>The graph is materialized by the first frame (or close), so an idle socket that was never sent anything holds
/// no graph.</item>
/// <item>A close frame goes out after every frame queued before it; then the actor stops. A client that has not taken
/// them within <see cref="ClientSockets.CloseGrace"/> of the close being asked for is dropped (aborted).</item>
/// <item>Its ref is the socket's address, from any node: an <see cref="OutgoingFrame"/> told to it is sent like one queued
/// locally (before the handshake completed, it waits in the buffer); a <see cref="SocketAttachment"/> or
/// <see cref="SocketAutoResponse"/> from the socket's object updates the edge's copy; a <see cref="SocketHeld"/> from
/// another node's socket directory makes the edge report this socket's auto-responses there.</item>
/// </list>
/// </summary>
internal sealed class SocketActor(SocketActorConnection connection, IMaterializer materializer) : UntypedActor
{
    private bool _running;
    private ICancelable? _grace;

    public static Props Props(SocketActorConnection connection, IMaterializer materializer) =>
        Akka.Actor.Props.Create<SocketActor>(connection, materializer).WithDispatcher(Dispatcher);

    public const string Dispatcher = "durable.sockets-dispatcher";

    // An untyped actor with a switch: ReceiveActor's per-instance handler tables would cost every idle socket memory.
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case SocketProtocol.Run:
                Run();
                break;
            case OutgoingFrame frame:
                connection.Send(frame);
                break;
            case SocketProtocol.Closing:
                if (!connection.IsOpen) break; // Open tells it again once the handshake completed
                Run();
                _grace ??= Context.System.Scheduler.ScheduleTellOnceCancelable(ClientSockets.CloseGrace, Self, SocketProtocol.GraceOver.Instance, Self);
                break;
            case SocketAttachment attachment:
                // The object (on another node) set the attachment: the edge keeps it for the socket's next owner.
                connection.Update(attachment);
                break;
            case ChannelPush push:
                connection.ChannelPushed?.Invoke(push);
                break;
            case SocketAutoResponse pair:
                connection.Update(pair);
                break;
            case SocketHeld:
                connection.Hold(Sender);
                break;
            case SocketProtocol.GraceOver:
                connection.Socket.Abort();
                break;
            case SocketProtocol.GraphEnded ended:
                Ended(ended);
                break;
            case SocketProtocol.CloseSent:
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Run()
    {
        if (_running) return;
        _running = true;
        ChannelSource.FromReader(connection.Frames)
            .ToMaterialized(Sink.ForEachAsync<OutgoingFrame>(1, connection.WriteAsync), Keep.Right)
            .WithAttributes(ActorAttributes.CreateDispatcher(Dispatcher))
            .Run(materializer)
            .PipeTo(Self, success: () => SocketProtocol.GraphEnded.Completed, failure: error => new SocketProtocol.GraphEnded(error));
    }

    private void Ended(SocketProtocol.GraphEnded ended)
    {
        var socket = connection.Socket;
        if (ended.Error is null && connection.PendingClose is { HasFrame: true } close && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            socket.CloseOutputAsync((WebSocketCloseStatus)close.Code, close.Reason, CancellationToken.None)
                .PipeTo(Self, success: () => SocketProtocol.CloseSent.Instance, failure: _ => SocketProtocol.CloseSent.Instance);
            return;
        }
        Context.Stop(Self);
    }

    protected override void PostStop()
    {
        _grace?.Cancel();
        // Stopped with its system too: nothing more can be sent, and whoever waits for the drain need not wait longer.
        connection.WhenDrainedAsync();
        connection.Finished();
    }
}
