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
/// them within <see cref="SocketConnection.CloseGrace"/> of the close being asked for is dropped (aborted).</item>
/// <item>Its ref is the socket's address: an <see cref="OutgoingFrame"/> told to it is sent like one queued locally.</item>
/// </list>
/// </summary>
internal sealed class SocketActor : ReceiveActor, IWithTimers
{
    private const string GraceTimer = "grace";
    private readonly SocketActorConnection _connection;
    private readonly IMaterializer _materializer;
    private bool _running;

    public SocketActor(SocketActorConnection connection, IMaterializer materializer)
    {
        _connection = connection;
        _materializer = materializer;
        Receive<SocketProtocol.Run>(_ => Run());
        Receive<OutgoingFrame>(frame => _connection.Send(frame));
        Receive<SocketProtocol.Closing>(_ =>
        {
            Run();
            Timers.StartSingleTimer(GraceTimer, SocketProtocol.GraceOver.Instance, SocketConnection.CloseGrace);
        });
        Receive<SocketProtocol.GraceOver>(_ => _connection.Socket.Abort());
        Receive<SocketProtocol.GraphEnded>(Ended);
        Receive<SocketProtocol.CloseSent>(_ => Context.Stop(Self));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(SocketActorConnection connection, IMaterializer materializer) =>
        Akka.Actor.Props.Create(() => new SocketActor(connection, materializer));

    private void Run()
    {
        if (_running) return;
        _running = true;
        ChannelSource.FromReader(_connection.Frames)
            .RunWith(Sink.ForEachAsync<OutgoingFrame>(1, _connection.WriteAsync), _materializer)
            .PipeTo(Self, success: () => SocketProtocol.GraphEnded.Completed, failure: error => new SocketProtocol.GraphEnded(error));
    }

    private void Ended(SocketProtocol.GraphEnded ended)
    {
        var socket = _connection.Socket;
        if (ended.Error is null && _connection.PendingClose is { HasFrame: true } close && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            socket.CloseOutputAsync((WebSocketCloseStatus)close.Code, close.Reason, CancellationToken.None)
                .PipeTo(Self, success: () => SocketProtocol.CloseSent.Instance, failure: _ => SocketProtocol.CloseSent.Instance);
            return;
        }
        Context.Stop(Self);
    }

    protected override void PostStop()
    {
        // Stopped with its system too: nothing more can be sent, and whoever waits for the drain need not wait longer.
        _connection.WhenDrainedAsync();
        _connection.Finished();
    }
}
