using System.Net.WebSockets;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Streams;
using Durable.Internal;

namespace Durable.Web.WebSockets;

/// <summary>
/// The edge's local handle on a <see cref="SocketActor"/>: frames queued here go straight into the bounded buffer its
/// graph reads (no mailbox hop), from any thread. When the buffer is full the client is not reading: the socket is closed
/// with 1008 after what is already queued, and counted in <c>durable.sockets.slow_closed</c>. After a close (or that),
/// further frames are dropped.
/// </summary>
internal sealed class SocketActorConnection : IClientConnection
{
    internal const string SlowReaderReason = "policy violation: the client did not read what was sent to it";

    private readonly Channel<OutgoingFrame> _buffer;
    private readonly DurableMetrics _metrics;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CloseRequest? _close;
    private WebSocket? _socket;
    private int _running;

    private SocketActorConnection(WebSocket? socket, int bufferSize, DurableMetrics metrics)
    {
        _socket = socket;
        _metrics = metrics;
        _buffer = Channel.CreateBounded<OutgoingFrame>(new BoundedChannelOptions(bufferSize)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite answers false when full, which is what closes a slow reader
            SingleReader = true,
            // The graph's pending read resumes on the writer's thread (it only completes a task): one thread-pool hop less
            // per frame.
            AllowSynchronousContinuations = true,
        });
    }

    /// <summary>Creates the socket's actor on <paramref name="system"/>; with no <paramref name="socket"/> yet (an upgrade on
    /// its way to the object, maybe on another node) frames wait in the buffer until <see cref="Open"/>.</summary>
    public static SocketActorConnection Start(ActorSystem system, IMaterializer materializer, WebSocket? socket, int bufferSize, DurableMetrics metrics)
    {
        var connection = new SocketActorConnection(socket, bufferSize, metrics);
        connection.Actor = system.ActorOf(SocketActor.Props(connection, materializer));
        return connection;
    }

    /// <summary>The socket actor: the socket's address for senders that hold no handle.</summary>
    public IActorRef Actor { get; private set; } = ActorRefs.Nobody;

    public WebSocket Socket => Volatile.Read(ref _socket) ?? throw new InvalidOperationException("The socket's handshake has not completed.");

    /// <summary>The handshake completed: the connection can send.</summary>
    public bool IsOpen => Volatile.Read(ref _socket) is not null;

    private readonly Lock _handleSync = new();
    private HibernatableSocket? _handle;
    private SocketAttachment? _earlyAttachment;
    private SocketAutoResponse? _earlyAutoResponse;

    /// <summary>
    /// The edge's copy of the socket (tags, attachment, its object's auto-response) once it runs. What the object told
    /// the socket actor before then (it may accept and set an attachment in the same turn) is applied to it when set.
    /// </summary>
    public void SetHandle(HibernatableSocket socket)
    {
        lock (_handleSync)
        {
            _handle = socket;
            if (_earlyAttachment is { } attachment) socket.AttachmentBytes = attachment.Attachment;
            if (_earlyAutoResponse is { } pair) Apply(socket, pair);
            _earlyAttachment = null;
            _earlyAutoResponse = null;
        }
    }

    private IActorRef[] _holders = [];

    /// <summary>
    /// The socket directory of a node whose object holds a handle of this socket (<see cref="SocketHeld"/>): it is told
    /// each auto-response answered here from now on, and the last one answered before, if any.
    /// </summary>
    public void Hold(IActorRef holder)
    {
        SocketAutoResponded? last = null;
        lock (_handleSync)
        {
            if (Array.IndexOf(_holders, holder) < 0) _holders = [.. _holders, holder];
            if (_handle is { AutoResponseAt: > 0 } socket) last = new SocketAutoResponded(socket.Owner.Id, socket.Id, socket.AutoResponseAt);
        }
        if (last is not null) holder.Tell(last, ActorRefs.NoSender);
    }

    /// <summary>The edge answered an auto-response on this socket at <paramref name="at"/> (Unix ms): the nodes holding a
    /// handle of it hear of it, without waking the object.</summary>
    public void AutoResponded(HibernatableSocket socket, long at)
    {
        IActorRef[] holders;
        lock (_handleSync) holders = _holders;
        if (holders.Length == 0) return;
        var report = new SocketAutoResponded(socket.Owner.Id, socket.Id, at);
        foreach (var holder in holders) holder.Tell(report, ActorRefs.NoSender);
    }

    /// <summary>Phoenix: where pushes and broadcasts from objects on other nodes go (the connection's subscriptions).</summary>
    public Action<ChannelPush>? ChannelPushed { get; set; }

    /// <summary>The object on another node set the socket's attachment.</summary>
    public void Update(SocketAttachment attachment)
    {
        lock (_handleSync)
        {
            if (_handle is { } socket) socket.AttachmentBytes = attachment.Attachment;
            else _earlyAttachment = attachment;
        }
    }

    /// <summary>The object on another node set (or cleared) its auto-response.</summary>
    public void Update(SocketAutoResponse pair)
    {
        lock (_handleSync)
        {
            if (_handle is { } socket) Apply(socket, pair);
            else _earlyAutoResponse = pair;
        }
    }

    private static void Apply(HibernatableSocket socket, SocketAutoResponse pair) =>
        socket.Owner.Registry.SetAutoResponse(socket.Owner.Id, pair.ToPair(), told: false);

    /// <summary>The handshake completed: sends what waited for it (and a close asked for meanwhile).</summary>
    public SocketActorConnection Open(WebSocket socket)
    {
        Interlocked.Exchange(ref _socket, socket);
        if (PendingClose is not null) Actor.Tell(SocketProtocol.Closing.Instance);
        else if (_buffer.Reader.Count > 0) Wake();
        return this;
    }

    /// <summary>The upgrade did not become a socket: the actor stops without sending anything.</summary>
    public void Abandon()
    {
        if (!IsOpen) Actor.Tell(PoisonPill.Instance);
    }

    internal ChannelReader<OutgoingFrame> Frames => _buffer.Reader;

    internal CloseRequest? PendingClose => Volatile.Read(ref _close);

    public void Send(OutgoingFrame frame)
    {
        if (frame.Type == WebSocketMessageType.Close)
        {
            Close(frame.CloseCode, frame.CloseReason);
            return;
        }
        if (_buffer.Writer.TryWrite(frame))
        {
            Wake();
            return;
        }
        if (Volatile.Read(ref _close) is not null) return; // closing: later frames are dropped
        if (End(new CloseRequest(WebSocketCloseCodes.PolicyViolation, SlowReaderReason))) _metrics.SlowClosed();
    }

    public void Close(int code, string? reason) => End(new CloseRequest(code, reason));

    public Task WhenDrainedAsync()
    {
        End(CloseRequest.NoFrame);
        return _finished.Task;
    }

    internal Task WriteAsync(OutgoingFrame frame) => Socket.SendAsync(frame.Data, frame.Type, endOfMessage: true, CancellationToken.None).AsTask();

    internal void Finished() => _finished.TrySetResult();

    /// <summary>Ends sending after what is queued; false if it had ended already.</summary>
    private bool End(CloseRequest close)
    {
        if (Interlocked.CompareExchange(ref _close, close, null) is not null) return false;
        _buffer.Writer.TryComplete();
        Actor.Tell(SocketProtocol.Closing.Instance);
        return true;
    }

    private void Wake()
    {
        if (!IsOpen) return; // Open wakes the graph
        if (Volatile.Read(ref _running) == 0 && Interlocked.Exchange(ref _running, 1) == 0) Actor.Tell(SocketProtocol.Run.Instance);
    }
}

/// <summary>How sending ends: a close frame with a code and reason, or (<see cref="NoFrame"/>) none.</summary>
internal sealed record CloseRequest(int Code, string? Reason)
{
    public static readonly CloseRequest NoFrame = new(0, null);

    public bool HasFrame => Code != 0;
}
